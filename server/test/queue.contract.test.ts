import { afterEach, describe, expect, it } from 'vitest';
import { JobName, type JobHandlers, type JobQueue } from '../src/jobs/types.js';
import { adapterKinds, createAdapters, type Adapters } from './support/adapters.js';
import { eventually } from './support/services.js';

type Payload = { index: number; attempt: number };

describe.each(adapterKinds)('job queue contract: %s', (kind) => {
  let adapters: Adapters;
  const queues: JobQueue[] = [];

  const newQueue = async (attempts = 1) => {
    adapters ??= createAdapters(kind);
    const queue = await adapters.queue(attempts);
    queues.push(queue);
    return queue;
  };

  const handlers = (handle: (payload: Payload) => Promise<void>, onFailed?: (payload: Payload, error: Error) => Promise<void>): JobHandlers => ({
    [JobName.ComputeFibonacci]: { handle, onFailed },
  });

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
    await adapters?.cleanup();
    adapters = undefined!;
  });

  it('delivers a job with its payload', async () => {
    const queue = await newQueue();
    const seen: Payload[] = [];
    await queue.work(handlers(async (payload) => void seen.push(payload)), { concurrency: 1 });
    await queue.enqueue(JobName.ComputeFibonacci, { index: 7, attempt: 1 });
    await eventually(() => (seen.length === 1 ? true : undefined));
    expect(seen).toEqual([{ index: 7, attempt: 1 }]);
  });

  it('runs a job enqueued many times at once exactly once', async () => {
    const queue = await newQueue();
    let runs = 0;
    await Promise.all(Array.from({ length: 25 }, () => queue.enqueue(JobName.ComputeFibonacci, { index: 8, attempt: 1 })));
    await queue.work(handlers(async () => void runs++), { concurrency: 4 });
    await eventually(async () => ((await queue.counts()).completed === 1 ? true : undefined));
    await queue.enqueue(JobName.ComputeFibonacci, { index: 8, attempt: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runs).toBe(1);
  });

  it('keeps jobs enqueued before any worker starts', async () => {
    const queue = await newQueue();
    for (let index = 0; index < 5; index++) await queue.enqueue(JobName.ComputeFibonacci, { index, attempt: 1 });
    expect((await queue.counts()).waiting).toBe(5);
    const seen = new Set<number>();
    await queue.work(handlers(async ({ index }) => void seen.add(index)), { concurrency: 2 });
    await eventually(() => (seen.size === 5 ? true : undefined));
  });

  it('never runs more jobs at once than its concurrency', async () => {
    const queue = await newQueue();
    let running = 0;
    let peak = 0;
    let done = 0;
    await queue.work(
      handlers(async () => {
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        done++;
      }),
      { concurrency: 3 },
    );
    for (let index = 0; index < 12; index++) await queue.enqueue(JobName.ComputeFibonacci, { index, attempt: 1 });
    await eventually(() => (done === 12 ? true : undefined));
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });

  it('retries a failing job, then reports the failure once', async () => {
    const queue = await newQueue(2);
    let tries = 0;
    const failures: string[] = [];
    await queue.work(
      handlers(
        async () => {
          tries++;
          throw new Error('boom');
        },
        async (_payload, error) => void failures.push(error.message),
      ),
      { concurrency: 1 },
    );
    await queue.enqueue(JobName.ComputeFibonacci, { index: 9, attempt: 1 });
    await eventually(async () => ((await queue.counts()).failed === 1 ? true : undefined), 15_000);
    expect(tries).toBe(2);
    expect(failures).toEqual(['boom']);
  });

  it('retries a job that met an unavailable database without spending its attempts', async () => {
    const queue = await newQueue(1);
    let tries = 0;
    const failures: Error[] = [];
    await queue.work(
      handlers(
        async () => {
          if (++tries < 3) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        },
        async (_payload, error) => void failures.push(error),
      ),
      { concurrency: 1 },
    );
    await queue.enqueue(JobName.ComputeFibonacci, { index: 11, attempt: 1 });
    await eventually(async () => ((await queue.counts()).completed === 1 ? true : undefined), 15_000);
    expect(tries).toBe(3);
    expect(failures).toEqual([]);
  });

  it('lets a running job finish when it stops working', async () => {
    const queue = await newQueue();
    let finished = false;
    let started = false;
    await queue.work(
      handlers(async () => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished = true;
      }),
      { concurrency: 1 },
    );
    await queue.enqueue(JobName.ComputeFibonacci, { index: 10, attempt: 1 });
    await eventually(() => (started ? true : undefined));
    await queue.stopWorking();
    expect(finished).toBe(true);
  });
});
