import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { RetryLaterError, runJob } from './run-job.js';
import {
  jobId,
  retryPolicy,
  type JobCounts,
  type JobHandlers,
  type JobName,
  type JobPayloads,
  type JobQueue,
  type QueueOptions,
  type WorkerOptions,
} from './types.js';

const QUEUE_NAME = 'calculations';

export interface BullmqQueueOptions extends QueueOptions {
  /** Used by the queue and for commands; fails fast when Redis is away. */
  connection: Redis;
  /** Opens the worker's own blocking connection. */
  createWorkerConnection: () => Redis;
  prefix: string;
  /** Longest a worker may keep shutting down before its running jobs are handed back to the queue. */
  closeTimeoutMs: number;
  /** How long a worker's lock on a job lasts without renewal; also how often stalled jobs are looked for. */
  lockMs: number;
}

/** The job queue on Redis, with BullMQ's production settings (see BullMQ's going-to-production guide). */
export class BullmqQueue implements JobQueue {
  private readonly queue: Queue;
  private worker: Worker | undefined;

  constructor(private readonly options: BullmqQueueOptions) {
    this.queue = new Queue(QUEUE_NAME, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: retryPolicy.backoffMs },
        // Postgres is the record; Redis keeps finished jobs only as long as a dashboard needs them.
        removeOnComplete: { age: 3_600, count: 1_000 },
        removeOnFail: { age: 7 * 24 * 3_600, count: 10_000 },
      },
    });
    this.queue.on('error', () => {});
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<void> {
    await this.queue.add(name, payload, { jobId: jobId(name, payload) });
  }

  async work(handlers: JobHandlers, { concurrency }: WorkerOptions): Promise<void> {
    this.worker = new Worker(
      QUEUE_NAME,
      async (job: Job, token?: string, signal?: AbortSignal) => {
        const context = { signal: signal ?? new AbortController().signal, attempt: job.attemptsMade + 1, id: job.id ?? '' };
        try {
          await runJob(handlers, job.name as JobName, job.data, context, this.options.attempts);
        } catch (error) {
          if (!(error instanceof RetryLaterError)) throw error;
          // BullMQ's way to run a job later without counting an attempt.
          await job.moveToDelayed(Date.now() + error.delayMs, token);
          throw new DelayedError();
        }
      },
      {
        connection: this.options.createWorkerConnection(),
        prefix: this.options.prefix,
        concurrency,
        // A worker that died mid-job is noticed within two lock durations; the job then runs elsewhere.
        lockDuration: this.options.lockMs,
        stalledInterval: this.options.lockMs,
        maxStalledCount: 2,
      },
    );
    this.worker.on('error', () => {});
    await this.worker.waitUntilReady();
  }

  async counts(): Promise<JobCounts> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    return {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  async ping(): Promise<void> {
    await this.options.connection.ping();
  }

  async stopWorking(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, this.options.closeTimeoutMs, 'timeout')));
    // Running jobs may finish; past the timeout they are left for their locks to expire and run elsewhere.
    const outcome = await Promise.race([worker.close().then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') await worker.close(true);
  }

  async close(): Promise<void> {
    await this.stopWorking();
    await this.queue.close();
  }
}
