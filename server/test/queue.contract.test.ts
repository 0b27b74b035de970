import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { JobName, RUNNING_LISTED, type JobContext, type JobHandlers, type JobPayloads, type JobQueue, type JobRequest, type RunningJob } from '../src/jobs/types.js';
import { adapterKinds, createAdapters, type Adapters } from './support/adapters.js';
import { eventually } from './support/services.js';

type Payload = { index: number; attempt: number };
type BatchPayload = JobPayloads[JobName.ComputeFibonacciBatch];

describe.each(adapterKinds)('job queue contract: %s', (kind) => {
  let adapters: Adapters;
  const queues: JobQueue[] = [];

  const newQueue = async (attempts = 1, closeTimeoutMs?: number) => {
    adapters ??= createAdapters(kind);
    const queue = await adapters.queue(attempts, closeTimeoutMs);
    queues.push(queue);
    return queue;
  };

  const handlers = (
    handle: (payload: Payload, context: JobContext) => Promise<void>,
    onFailed?: (payload: Payload, error: Error) => Promise<void>,
    handleBatch: (payload: BatchPayload, context: JobContext) => Promise<void> = async () => {},
  ): JobHandlers => ({
    [JobName.ComputeFibonacci]: { handle, onFailed },
    [JobName.ComputeFibonacciBatch]: { handle: handleBatch },
    [JobName.Backup]: { handle: async () => {} },
    [JobName.Prune]: { handle: async () => {} },
    [JobName.Reconcile]: { handle: async () => {} },
  });

  /** Jobs held running until the test lets them go; let go however it ends, or closing would wait for them. */
  const releases: Array<() => void> = [];
  const holdJobs = () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    releases.push(release);
    return { held, release };
  };

  afterEach(async () => {
    releases.splice(0).forEach((release) => release());
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
    await adapters?.cleanup();
    adapters = undefined!;
  });

  it('delivers a job with its payload', async () => {
    const queue = await newQueue();
    const seen: Payload[] = [];
    await queue.work(handlers(async (payload) => void seen.push(payload)), { concurrency: 1, engine: 'bigint' });
    await queue.enqueue(JobName.ComputeFibonacci, { index: 7, attempt: 1 });
    await eventually(() => (seen.length === 1 ? true : undefined));
    expect(seen).toEqual([{ index: 7, attempt: 1 }]);
  });

  it('runs a job enqueued many times at once exactly once', async () => {
    const queue = await newQueue();
    let runs = 0;
    await Promise.all(Array.from({ length: 25 }, () => queue.enqueue(JobName.ComputeFibonacci, { index: 8, attempt: 1 })));
    await queue.work(handlers(async () => void runs++), { concurrency: 4, engine: 'bigint' });
    await eventually(async () => ((await queue.counts()).completed === 1 ? true : undefined));
    await queue.enqueue(JobName.ComputeFibonacci, { index: 8, attempt: 1 });
    // Time for a second run to show, were there one: an idle worker starts a job at once.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runs).toBe(1);
  });

  it('replaces a finished job of an earlier life of the work (finished before the request’s `since`), and only such a one', async () => {
    const queue = await newQueue();
    const runs: Payload[] = [];
    await queue.work(handlers(async (payload) => void runs.push(payload)), { concurrency: 1, engine: 'bigint' });
    const payload = { index: 9, attempt: 1 };
    await queue.enqueue(JobName.ComputeFibonacci, payload);
    await eventually(async () => ((await queue.counts()).completed === 1 ? true : undefined));
    // Asked for before that job finished: the same work, a duplicate.
    const before = new Date(Date.now() - 60_000);
    await queue.enqueueMany([{ name: JobName.ComputeFibonacci, payload, since: before }]);
    // Made again since (a restore brought its attempt back to 1): it runs again, beside other work.
    await queue.enqueueMany([
      { name: JobName.ComputeFibonacci, payload, since: new Date() },
      { name: JobName.ComputeFibonacci, payload: { index: 10, attempt: 1 } },
    ]);
    await eventually(async () => ((await queue.counts()).completed === 2 && runs.length === 3 ? true : undefined));
    expect(runs).toEqual([payload, payload, { index: 10, attempt: 1 }]);
  });

  it('enqueues many jobs at once, each once, duplicates and jobs already queued included', async () => {
    const queue = await newQueue();
    await queue.enqueue(JobName.ComputeFibonacci, { index: 20, attempt: 1 });
    const job = (index: number) => ({ name: JobName.ComputeFibonacci, payload: { index, attempt: 1 } }) as const;
    await queue.enqueueMany([job(20), job(21), job(22), job(21)]);
    await queue.enqueueMany([]);
    expect((await queue.counts()).waiting).toBe(3);
    const seen: number[] = [];
    await queue.work(handlers(async ({ index }) => void seen.push(index)), { concurrency: 1, engine: 'bigint' });
    await eventually(async () => ((await queue.counts()).completed === 3 ? true : undefined));
    expect(seen.sort()).toEqual([20, 21, 22]);
  });

  it('runs one job per batch: the batch sent again, with any of its calculations, is the same job', async () => {
    const queue = await newQueue();
    const batch = (batch: string, indexes: number[]) =>
      ({ name: JobName.ComputeFibonacciBatch, payload: { batch, calculations: indexes.map((index) => ({ index, attempt: 1 })) } }) as const;
    await queue.enqueueMany([batch('b1', [30, 31, 32]), batch('b2', [33])]);
    await queue.enqueueMany([batch('b1', [31]), batch('b2', [33])]);
    const seen: BatchPayload[] = [];
    await queue.work(handlers(async () => {}, undefined, async (payload) => void seen.push(payload)), { concurrency: 2, engine: 'bigint' });
    await eventually(async () => ((await queue.counts()).completed === 2 ? true : undefined));
    await queue.enqueueMany([batch('b1', [32])]);
    // Time for the batch to run again, were it to: an idle worker starts a job at once.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.sort((a, b) => a.batch.localeCompare(b.batch))).toEqual([batch('b1', [30, 31, 32]).payload, batch('b2', [33]).payload]);
  });

  it('keeps jobs enqueued before any worker starts', async () => {
    const queue = await newQueue();
    for (let index = 0; index < 5; index++) await queue.enqueue(JobName.ComputeFibonacci, { index, attempt: 1 });
    expect((await queue.counts()).waiting).toBe(5);
    const seen = new Set<number>();
    await queue.work(handlers(async ({ index }) => void seen.add(index)), { concurrency: 2, engine: 'bigint' });
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
      { concurrency: 3, engine: 'bigint' },
    );
    for (let index = 0; index < 12; index++) await queue.enqueue(JobName.ComputeFibonacci, { index, attempt: 1 });
    await eventually(() => (done === 12 ? true : undefined));
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });

  it('runs batches one at a time, beside the other jobs', async () => {
    const queue = await newQueue();
    const running = { batches: 0, jobs: 0 };
    const peak = { batches: 0, jobs: 0 };
    let together = false;
    let done = 0;
    const track = (lane: keyof typeof running) => async () => {
      peak[lane] = Math.max(peak[lane], ++running[lane]);
      together ||= running.batches > 0 && running.jobs > 0;
      await new Promise((resolve) => setTimeout(resolve, 100));
      running[lane]--;
      done++;
    };
    await queue.work(handlers(track('jobs'), undefined, track('batches')), { concurrency: 3, engine: 'bigint' });
    await queue.enqueueMany(
      [0, 1, 2, 3, 4, 5].flatMap((index): JobRequest[] => [
        { name: JobName.ComputeFibonacciBatch, payload: { batch: `b${index}`, calculations: [{ index, attempt: 1 }] } },
        { name: JobName.ComputeFibonacci, payload: { index, attempt: 1 } },
      ]),
    );
    await eventually(() => (done === 12 ? true : undefined));
    expect(peak.batches).toBe(1);
    expect(peak.jobs).toBeGreaterThan(1);
    expect(together).toBe(true);
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
      { concurrency: 1, engine: 'bigint' },
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
      { concurrency: 1, engine: 'bigint' },
    );
    await queue.enqueue(JobName.ComputeFibonacci, { index: 11, attempt: 1 });
    await eventually(async () => ((await queue.counts()).completed === 1 ? true : undefined), 15_000);
    expect(tries).toBe(3);
    expect(failures).toEqual([]);
  });

  it('tries a job again later, without spending an attempt, when its failure cannot be recorded', async () => {
    const queue = await newQueue(1);
    let runs = 0;
    const recorded: Error[] = [];
    let refusals = 0;
    await queue.work(
      handlers(
        async () => {
          runs++;
          throw new Error('the computation failed');
        },
        async (_payload, error) => {
          // Postgres is away the first time the failure is recorded.
          if (refusals++ === 0) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
          recorded.push(error);
        },
      ),
      { concurrency: 1, engine: 'bigint' },
    );
    await queue.enqueue(JobName.ComputeFibonacci, { index: 13, attempt: 1 });
    await eventually(async () => ((await queue.counts()).failed === 1 ? true : undefined), 15_000);
    expect(runs).toBe(2);
    expect(recorded.map((error) => error.message)).toEqual(['the computation failed']);
  });

  it('lets a running job finish when it stops working', async () => {
    const queue = await newQueue();
    let finished = false;
    let started = false;
    await queue.work(
      // As a computation on the thread pool does, the job stops if its signal is aborted.
      handlers(async (_payload, { signal }) => {
        started = true;
        await sleep(300, undefined, { signal });
        finished = true;
      }),
      { concurrency: 1, engine: 'bigint' },
    );
    await queue.enqueue(JobName.ComputeFibonacci, { index: 10, attempt: 1 });
    await eventually(() => (started ? true : undefined));
    await queue.stopWorking();
    expect(finished).toBe(true);
  });

  it('hands a job running past the close timeout back when it stops working, unfailed on its last attempt', async () => {
    const queue = await newQueue(1, 200);
    const failures: Error[] = [];
    let started = false;
    await queue.work(
      handlers(
        async (_payload, { signal }) => {
          started = true;
          // Longer than the stop may take (below): only its signal ends it in time.
          await sleep(2_000, undefined, { signal });
        },
        async (_payload, error) => void failures.push(error),
      ),
      { concurrency: 1, engine: 'bigint' },
    );
    await queue.enqueue(JobName.ComputeFibonacci, { index: 12, attempt: 1 });
    await eventually(() => (started ? true : undefined));
    const stopping = performance.now();
    await queue.stopWorking();
    expect(performance.now() - stopping).toBeLessThan(1_500);
    expect(failures).toEqual([]);
    // Back in the queue: the next worker runs it.
    const runs: Payload[] = [];
    await queue.work(handlers(async (payload) => void runs.push(payload)), { concurrency: 1, engine: 'bigint' });
    await eventually(() => (runs.length === 1 ? true : undefined));
    expect(runs).toEqual([{ index: 12, attempt: 1 }]);
    expect((await queue.counts()).failed).toBe(0);
  });

  it('runs a scheduled job once per tick, however often the schedule is declared', async () => {
    // Two declarations of one schedule, as two worker replicas (or a restarted worker) make them.
    const [first, second] = [await newQueue(), kind === 'redis' ? await newQueue() : undefined];
    const ticks: Array<{ id: string; at: number }> = [];
    const scheduled: JobHandlers = {
      ...handlers(async () => {}),
      [JobName.Reconcile]: { handle: async (_payload, context) => void ticks.push({ id: context.id, at: Date.now() }) },
    };
    const everySecond = { [JobName.Reconcile]: '* * * * * *', [JobName.Prune]: 'off', [JobName.Backup]: 'off' };
    await first.schedule(everySecond);
    await (second ?? first).schedule(everySecond);
    await first.work(scheduled, { concurrency: 2, engine: 'bigint' });
    await second?.work(scheduled, { concurrency: 2, engine: 'bigint' });
    await eventually(() => (ticks.length >= 2 ? true : undefined));
    await first.schedule({ [JobName.Reconcile]: 'off', [JobName.Prune]: 'off', [JobName.Backup]: 'off' });
    const seen = ticks.length;
    // No more runs than ticks (every second) from the first run's to now, each under an id of its own.
    const ticked = Math.floor(Date.now() / 1_000) - Math.floor(ticks[0]!.at / 1_000) + 1;
    expect(seen).toBeLessThanOrEqual(ticked);
    expect(new Set(ticks.map(({ id }) => id)).size).toBe(seen);
    // Turned off: no more ticks. One already due may still run; a schedule still on would run two more
    // within 2 s, which this wait covers.
    await sleep(2_500);
    expect(ticks.length).toBeLessThanOrEqual(seen + 1);
  });

  it('lists each periodic job with its expression and next run, or as off', async () => {
    const queue = await newQueue();
    await queue.schedule({ [JobName.Backup]: '0 3 * * *', [JobName.Prune]: 'off', [JobName.Reconcile]: '*/10 * * * *' });
    const [backup, prune, reconcile, ...others] = await queue.schedules();
    expect(others).toEqual([]);
    expect(backup).toMatchObject({ name: JobName.Backup, pattern: '0 3 * * *', last: null });
    expect(prune).toEqual({ name: JobName.Prune, pattern: 'off', next: null, last: null });
    expect(reconcile).toMatchObject({ name: JobName.Reconcile, pattern: '*/10 * * * *' });
    // The next tick: 03:00 UTC within a day, a multiple of ten minutes within ten.
    const next = Date.parse(backup!.next!);
    expect(next).toBeGreaterThan(Date.now());
    expect(next - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    expect(new Date(next).toISOString()).toMatch(/T03:00:00\.000Z$/);
    expect(Date.parse(reconcile!.next!) % 600_000).toBe(0);
  });

  it('says how a periodic job’s latest run ended: completed, with how long it took', async () => {
    const queue = await newQueue();
    const scheduled: JobHandlers = { ...handlers(async () => {}), [JobName.Reconcile]: { handle: () => sleep(50) } };
    await queue.work(scheduled, { concurrency: 1, engine: 'bigint' });
    await queue.schedule({ [JobName.Reconcile]: '* * * * * *', [JobName.Prune]: 'off', [JobName.Backup]: 'off' });
    const reconcile = await eventually(async () => (await queue.schedules()).find(({ name, last }) => name === JobName.Reconcile && last));
    expect(reconcile.last).toEqual({ at: expect.any(String), outcome: 'completed', durationMs: expect.any(Number) });
    expect(reconcile.last!.durationMs).toBeGreaterThanOrEqual(40);
    expect(Date.now() - Date.parse(reconcile.last!.at)).toBeLessThan(5_000);
    // Calculations are no periodic job: nothing is said of them.
    expect((await queue.schedules()).map(({ name }) => name)).toEqual([JobName.Backup, JobName.Prune, JobName.Reconcile]);
  });

  it('says a periodic job failed only once its last attempt failed, with the error’s first line, credentials taken out', async () => {
    const queue = await newQueue(2);
    const seen: Array<string | undefined> = [];
    const scheduled: JobHandlers = {
      ...handlers(async () => {}),
      [JobName.Backup]: {
        handle: async (_payload, { attempt }) => {
          // The first retry (one at a time: no other run ends meanwhile) finds the failed try no outcome yet.
          if (attempt === 2 && seen.length === 0) seen.push((await queue.schedules())[0]!.last?.outcome);
          throw new Error(`could not reach s3://key:secret@backups.example/fibstack (attempt ${attempt})\n    at the stack`);
        },
      },
    };
    await queue.work(scheduled, { concurrency: 1, engine: 'bigint' });
    await queue.schedule({ [JobName.Backup]: '* * * * * *', [JobName.Prune]: 'off', [JobName.Reconcile]: 'off' });
    const backup = await eventually(async () => (await queue.schedules()).find(({ name, last }) => name === JobName.Backup && last), 15_000);
    await queue.schedule({ [JobName.Backup]: 'off', [JobName.Prune]: 'off', [JobName.Reconcile]: 'off' });
    expect(seen).toEqual([undefined]);
    expect(backup.last).toEqual({
      at: expect.any(String),
      outcome: 'failed',
      durationMs: expect.any(Number),
      error: 'could not reach s3://[redacted]@backups.example/fibstack (attempt 2)',
    });
  });

  it('prunes finished jobs older than asked, and only those', async () => {
    const queue = await newQueue();
    await queue.work(handlers(async () => {}), { concurrency: 2, engine: 'bigint' });
    for (let index = 0; index < 3; index++) await queue.enqueue(JobName.ComputeFibonacci, { index, attempt: 1 });
    await eventually(async () => ((await queue.counts()).completed === 3 ? true : undefined));
    expect(await queue.prune(60_000)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await queue.prune(10)).toBe(3);
    expect((await queue.counts()).completed).toBe(0);
  });

  it('lists a working process with its concurrency, engine and heartbeat, until it stops', async () => {
    const queue = await newQueue();
    expect(await queue.workers()).toEqual([]);
    await queue.work(handlers(async () => {}), { concurrency: 3, engine: 'gmp' });
    const [worker, ...others] = await queue.workers();
    expect(others).toEqual([]);
    expect(worker).toMatchObject({ concurrency: 3, engine: 'gmp', pid: process.pid });
    expect(Date.now() - Date.parse(worker!.lastHeartbeat)).toBeLessThan(15_000);
    await queue.stopWorking();
    expect(await queue.workers()).toEqual([]);
  });

  it('lists the jobs each worker runs under it, with what an operator needs to know of them, until they finish', async () => {
    // Two worker processes on Redis, as two replicas; in process, the one worker there is.
    const workers = kind === 'redis' ? [await newQueue(), await newQueue()] : [await newQueue()];
    const { held, release } = holdJobs();
    // Which worker took each job, as its handler saw it; and each worker's id, as its heartbeat says.
    const takenBy = new Map<string, number>();
    const ids: string[] = [];
    for (const [n, queue] of workers.entries()) {
      const known = new Set((await queue.workers()).map(({ id }) => id));
      const hold = (id: string) => {
        takenBy.set(id, n);
        return held;
      };
      await queue.work(
        handlers(
          (_payload, { id }) => hold(id),
          undefined,
          (_payload, { id }) => hold(id),
        ),
        { concurrency: 2, engine: 'bigint' },
      );
      ids.push((await queue.workers()).map(({ id }) => id).find((id) => !known.has(id))!);
    }
    const queue = workers[0]!;
    expect((await queue.workers()).map(({ running, runningCount }) => ({ running, runningCount }))).toEqual(ids.map(() => ({ running: [], runningCount: 0 })));

    const enqueued = Date.now();
    await queue.enqueueMany([
      { name: JobName.ComputeFibonacci, payload: { index: 123_456, attempt: 2 } },
      { name: JobName.ComputeFibonacci, payload: { index: 7, attempt: 1 } },
      { name: JobName.ComputeFibonacciBatch, payload: { batch: 'b9', calculations: [1, 2, 3].map((index) => ({ index, attempt: 1 })) } },
    ]);
    await eventually(() => (takenBy.size === 3 ? true : undefined));
    const expected: Record<string, RunningJob> = {
      'fib-123456-2': { name: JobName.ComputeFibonacci, id: 'fib-123456-2', startedAt: expect.any(String), index: 123_456 },
      'fib-7-1': { name: JobName.ComputeFibonacci, id: 'fib-7-1', startedAt: expect.any(String), index: 7 },
      'fibs-b9': { name: JobName.ComputeFibonacciBatch, id: 'fibs-b9', startedAt: expect.any(String), calculations: 3 },
    };
    const listed = await queue.workers();
    expect(listed.map(({ id }) => id).sort()).toEqual([...ids].sort());
    for (const worker of listed) {
      const mine = [...takenBy].filter(([, n]) => ids[n] === worker.id).map(([id]) => expected[id]);
      expect(worker.running.slice().sort((a, b) => a.id.localeCompare(b.id)), worker.id).toEqual(mine.sort((a, b) => a!.id.localeCompare(b!.id)));
      expect(worker.runningCount).toBe(mine.length);
      for (const { startedAt } of worker.running) {
        expect(Date.parse(startedAt)).toBeGreaterThanOrEqual(enqueued - 1_000);
        expect(Date.parse(startedAt)).toBeLessThanOrEqual(Date.now());
      }
    }

    release();
    const idle = await eventually(async () => {
      const current = await queue.workers();
      return current.every(({ runningCount }) => runningCount === 0) ? current : undefined;
    });
    expect(idle.map(({ running }) => running)).toEqual(ids.map(() => []));
  });

  it(`lists ${RUNNING_LISTED} of a worker's running jobs at most, the longest-running first, and counts them all`, async () => {
    const queue = await newQueue();
    const { held, release } = holdJobs();
    let started = 0;
    const total = RUNNING_LISTED + 5;
    await queue.work(
      handlers(async () => {
        started++;
        await held;
      }),
      { concurrency: total, engine: 'bigint' },
    );
    // One after another, each started in a millisecond of its own: index 0 has run longest.
    for (let index = 0; index < total; index++) {
      await queue.enqueue(JobName.ComputeFibonacci, { index, attempt: 1 });
      await eventually(() => (started > index ? true : undefined));
      await sleep(2);
    }
    const [worker] = await queue.workers();
    expect(worker!.runningCount).toBe(total);
    expect(worker!.running.map(({ index }) => index)).toEqual(Array.from({ length: RUNNING_LISTED }, (_, index) => index));
    release();
    await eventually(async () => ((await queue.workers())[0]?.runningCount === 0 ? true : undefined));
  });
});
