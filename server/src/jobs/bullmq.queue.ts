import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { describeWorker } from './heartbeat.js';
import { RetryLaterError, runJob } from './run-job.js';
import {
  jobId,
  retryPolicy,
  type JobCounts,
  type JobHandlers,
  type JobName,
  type JobPayloads,
  type JobQueue,
  type JobRequest,
  type QueueOptions,
  HEARTBEAT_MS,
  type Schedules,
  type WorkerInfo,
  type WorkerOptions,
} from './types.js';

const QUEUE_NAME = 'calculations';
const PRUNE_BATCH = 1_000;

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
  private heartbeat: NodeJS.Timeout | undefined;
  private workerId: string | undefined;

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

  /** The BullMQ queue itself, for the dashboard at /admin/queues. */
  get dashboardQueue(): Queue {
    return this.queue;
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<void> {
    await this.queue.add(name, payload, { jobId: jobId(name, payload) });
  }

  async enqueueMany(jobs: JobRequest[]): Promise<void> {
    if (jobs.length === 0) return;
    // One job (a submission batch's, the usual case) needs no MULTI around its one script.
    if (jobs.length === 1) return this.enqueue(jobs[0]!.name, jobs[0]!.payload);
    await this.queue.addBulk(jobs.map(({ name, payload }) => ({ name, data: payload, opts: { jobId: jobId<JobName>(name, payload) } })));
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
    await this.startHeartbeat(concurrency);
  }

  /** Each worker process keeps its description fresh in one Redis hash, read by the admin page. */
  private async startHeartbeat(concurrency: number): Promise<void> {
    const describe = describeWorker(concurrency);
    this.workerId = describe().id;
    const beat = () => this.options.connection.hset(this.workersKey, this.workerId!, JSON.stringify(describe()));
    await beat();
    this.heartbeat = setInterval(() => void beat().catch(() => {}), HEARTBEAT_MS).unref();
  }

  async workers(): Promise<WorkerInfo[]> {
    const entries = await this.options.connection.hgetall(this.workersKey);
    const cutoff = Date.now() - 3 * HEARTBEAT_MS;
    const workers = Object.values(entries).map((entry) => JSON.parse(entry) as WorkerInfo);
    const silent = Object.keys(entries).filter((_, i) => Date.parse(workers[i]!.lastHeartbeat) < cutoff);
    // Workers that died without saying so are forgotten once they have been silent for three beats.
    if (silent.length > 0) await this.options.connection.hdel(this.workersKey, ...silent);
    return workers.filter((worker) => Date.parse(worker.lastHeartbeat) >= cutoff);
  }

  private get workersKey(): string {
    return `${this.options.prefix}:${QUEUE_NAME}:fibstack-workers`;
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

  async schedule(schedules: Schedules): Promise<void> {
    for (const [name, pattern] of Object.entries(schedules)) {
      // A job scheduler lives in Redis under its name: every worker upserting it leaves one scheduler,
      // which adds one job per tick.
      if (pattern === 'off') await this.queue.removeJobScheduler(name);
      else await this.queue.upsertJobScheduler(name, { pattern, tz: 'UTC' }, { name, data: {} });
    }
  }

  async prune(olderThanMs: number): Promise<number> {
    let removed = 0;
    for (const state of ['completed', 'failed'] as const) {
      for (;;) {
        const batch = await this.queue.clean(olderThanMs, PRUNE_BATCH, state);
        removed += batch.length;
        if (batch.length < PRUNE_BATCH) break;
      }
    }
    return removed;
  }

  async ping(): Promise<void> {
    await this.options.connection.ping();
  }

  async stopWorking(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    clearInterval(this.heartbeat);
    if (this.workerId) await this.options.connection.hdel(this.workersKey, this.workerId).catch(() => {});
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
