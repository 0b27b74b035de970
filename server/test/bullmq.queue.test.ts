/** What only the BullMQ queue has: jobs whose workers stopped mid-run, which BullMQ fails on its own. */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { BullmqQueue } from '../src/jobs/bullmq.queue.js';
import { jobId, JobName, type JobHandlers } from '../src/jobs/types.js';
import { instrumentHandlers } from '../src/observability/instrument.js';
import { Metrics } from '../src/observability/metrics.js';
import { createAdapters, type Adapters } from './support/adapters.js';
import { eventually, redisUrl } from './support/services.js';

const payload = { index: 7, attempt: 1 };

describe('the BullMQ queue', () => {
  let adapters: Adapters;
  let queue: BullmqQueue;

  afterEach(async () => {
    await queue?.close();
    await adapters?.cleanup();
  });

  /** A job as BullMQ's stalled-job check leaves it after its workers stopped mid-run once too often. */
  async function lostTooOften(): Promise<void> {
    adapters = createAdapters('redis');
    queue = (await adapters.queue(3)) as BullmqQueue;
    await queue.enqueue(JobName.ComputeFibonacci, payload);
    // moveStalledJobsToWait puts the job back in waiting, marked to fail when a worker next takes it.
    const [calculations] = queue.dashboardQueues;
    const redis = new Redis(redisUrl);
    try {
      await redis.hset(calculations!.toKey(jobId(JobName.ComputeFibonacci, payload)), 'defa', 'job stalled more than allowable limit');
    } finally {
      redis.disconnect();
    }
  }

  const handlers = (onFailed: (payload: unknown, error: Error) => Promise<void>, runs: unknown[]): JobHandlers => ({
    [JobName.ComputeFibonacci]: { handle: async (payload) => void runs.push(payload), onFailed },
    [JobName.ComputeFibonacciBatch]: { handle: async () => {} },
    [JobName.Backup]: { handle: async () => {} },
    [JobName.Prune]: { handle: async () => {} },
    [JobName.Reconcile]: { handle: async () => {} },
  });

  it('tells the handler a job failed for good when its workers stopped mid-run too often', async () => {
    await lostTooOften();
    const failures: Array<{ payload: unknown; name: string; message: string }> = [];
    const runs: unknown[] = [];
    const onFailed = async (payload: unknown, { name, message }: Error) => void failures.push({ payload, name, message });
    await queue.work(handlers(onFailed, runs), { concurrency: 1, engine: 'bigint' });
    await eventually(() => (failures.length > 0 ? true : undefined));
    expect(failures).toEqual([{ payload, name: 'WorkerLostError', message: 'job stalled more than allowable limit' }]);
    expect(runs).toEqual([]);
    expect((await queue.counts()).failed).toBe(1);
  });

  it('counts that job among those failed for good, as the alert on failing jobs reads them', async () => {
    await lostTooOften();
    const metrics = new Metrics({ role: 'worker' });
    const failures: Error[] = [];
    await queue.work(
      instrumentHandlers(
        handlers(async (_payload, error) => void failures.push(error), []),
        metrics,
      ),
      { concurrency: 1, engine: 'bigint' },
    );
    await eventually(() => (failures.length > 0 ? true : undefined));
    const counted = (await metrics.render()).body.split('\n').filter((line) => line.startsWith('jobs_finished_total{job_name="compute-fibonacci"'));
    expect(counted).toEqual([
      'jobs_finished_total{job_name="compute-fibonacci",outcome="completed",role="worker"} 0',
      'jobs_finished_total{job_name="compute-fibonacci",outcome="failed",role="worker"} 1',
      'jobs_finished_total{job_name="compute-fibonacci",outcome="retried",role="worker"} 0',
    ]);
  });

  it('lets the work be sent again when that failure cannot be recorded', async () => {
    await lostTooOften();
    const runs: unknown[] = [];
    const unrecorded = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    };
    await queue.work(handlers(unrecorded, runs), { concurrency: 1, engine: 'bigint' });
    // The failed job is gone, so the record's unfinished work, sent again under the same id, runs.
    await eventually(async () => (Object.values(await queue.counts()).every((count) => count === 0) ? true : undefined));
    await queue.enqueue(JobName.ComputeFibonacci, payload);
    await eventually(() => (runs.length > 0 ? true : undefined));
    expect(runs).toEqual([payload]);
  });

  it('fails a job BullMQ cancels on its last attempt as BullMQ does, telling its handler and counting it failed', async () => {
    adapters = createAdapters('redis');
    queue = (await adapters.queue(1)) as BullmqQueue;
    const metrics = new Metrics({ role: 'worker' });
    const failures: string[] = [];
    let started = false;
    const cancellable: JobHandlers = {
      ...handlers(async () => {}, []),
      [JobName.ComputeFibonacci]: {
        handle: async (_payload, { signal }) => {
          started = true;
          await sleep(10_000, undefined, { signal });
        },
        onFailed: async (_payload, error) => void failures.push(error.name),
      },
    };
    await queue.work(instrumentHandlers(cancellable, metrics), { concurrency: 1, engine: 'bigint' });
    await queue.enqueue(JobName.ComputeFibonacci, payload);
    await eventually(() => (started ? true : undefined));
    // BullMQ's cancel reaches only the worker running the job, and nothing in fibstack calls it yet.
    for (const worker of queue['running']) worker.cancelJob(jobId(JobName.ComputeFibonacci, payload), 'cancelled');
    await eventually(async () => ((await queue.counts()).failed === 1 ? true : undefined));
    expect(failures).toEqual(['AbortError']);
    const counted = (await metrics.render()).body.split('\n').filter((line) => line.startsWith('jobs_finished_total{job_name="compute-fibonacci"'));
    expect(counted).toContain('jobs_finished_total{job_name="compute-fibonacci",outcome="failed",role="worker"} 1');
  });

  it('logs what BullMQ reports only as an error event: here, a check for stalled jobs that fails', async () => {
    const lines: Array<{ level: number; msg: string; source: string; err: { message: string } }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    adapters = createAdapters('redis');
    queue = (await adapters.queue(3, 5_000, logger)) as BullmqQueue;
    // The stalled-job check reads this key as a set: a string makes its script fail, at every check.
    const [calculations] = queue.dashboardQueues;
    const redis = new Redis(redisUrl);
    try {
      await redis.set(calculations!.toKey('stalled'), 'not a set');
    } finally {
      redis.disconnect();
    }
    await queue.work(handlers(async () => {}, []), { concurrency: 1, engine: 'bigint' });
    const logged = await eventually(() => lines.find((line) => line.msg === 'queue error'));
    expect(logged).toMatchObject({ level: 40, source: 'worker calculations', err: { message: expect.stringContaining('WRONGTYPE') } });
  });

  it('records a failure on the last attempt the job was queued with, whatever the worker’s own setting', async () => {
    adapters = createAdapters('redis');
    const producer = (await adapters.queue(1)) as BullmqQueue;
    queue = (await adapters.queue(3)) as BullmqQueue;
    const failures: unknown[] = [];
    const failing: JobHandlers = {
      ...handlers(async (failed) => void failures.push(failed), []),
      [JobName.ComputeFibonacci]: {
        handle: async () => {
          throw new Error('The computation failed.');
        },
        onFailed: async (failed) => void failures.push(failed),
      },
    };
    await queue.work(failing, { concurrency: 1, engine: 'bigint' });
    await producer.enqueue(JobName.ComputeFibonacci, payload);
    await eventually(async () => ((await queue.counts()).failed === 1 ? true : undefined));
    await producer.close();
    expect(failures).toEqual([payload]);
  });

  it('hands a job of a name it does not know back to the queue, unfailed, as a newer release queues one in a rolling update', async () => {
    const lines: Array<{ msg: string; jobName: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    adapters = createAdapters('redis');
    queue = (await adapters.queue(3, 5_000, logger)) as BullmqQueue;
    await queue.work(handlers(async () => {}, []), { concurrency: 1, engine: 'bigint' });
    const [calculations] = queue.dashboardQueues;
    const newer = await calculations!.add('compute-fibonacci-v2', { index: 7 }, { jobId: 'fib2-7', attempts: 3 });
    await eventually(() => lines.find((line) => line.jobName === 'compute-fibonacci-v2'));
    // Taken at least once, and back to wait for a worker that knows it, with no attempt spent.
    await eventually(async () => ((await calculations!.getJobState(newer.id!)) === 'delayed' ? true : undefined));
    const job = await calculations!.getJob(newer.id!);
    expect(job?.attemptsMade).toBe(0);
    expect(job?.failedReason).toBeUndefined();
    expect((await queue.counts()).failed).toBe(0);
  });
});
