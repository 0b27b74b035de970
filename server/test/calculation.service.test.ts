import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../src/cache/memory.cache.js';
import { MemoryEventBus } from '../src/events/memory.bus.js';
import { bigintEngine } from '../src/fib/engine.js';
import { JobName, type JobHandlers, type JobPayloads } from '../src/jobs/types.js';
import { MemoryQueue } from '../src/jobs/memory.queue.js';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import type { AppError } from '../src/lib/errors.js';
import { MemoryWindowCounts } from '../src/lib/window-counts.js';
import { CalculationService } from '../src/services/calculation.service.js';
import { DecimalService } from '../src/services/decimal.service.js';
import { summary, recorded } from './support/records.js';
import { eventually, openMigratedDatabase } from './support/services.js';

describe('CalculationService on Postgres: work that never reached the queue', () => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let queue: MemoryQueue;
  let service: CalculationService;
  const sent: Array<JobPayloads[JobName.ComputeFibonacciBatch]> = [];
  const sentAlone: Array<JobPayloads[JobName.ComputeFibonacci]> = [];

  beforeAll(async () => {
    database = await openMigratedDatabase();
    queue = new MemoryQueue({ attempts: 1, closeTimeoutMs: 5_000 });
    const decimals = new DecimalService(database.db, bigintEngine);
    service = new CalculationService(database.db, {
      queue,
      events: new MemoryEventBus(),
      cache: new MemoryCache(),
      decimals,
      expensive: { fromIndex: 100_000, maxPending: 5 },
      maxExactIndex: 10_000_000,
    });
    const ignore = { handle: async () => {} };
    const handlers: JobHandlers = {
      [JobName.ComputeFibonacci]: { handle: async (payload) => void sentAlone.push(payload) },
      [JobName.ComputeFibonacciBatch]: { handle: async (payload) => void sent.push(payload) },
      [JobName.Backup]: ignore,
      [JobName.Prune]: ignore,
      [JobName.Reconcile]: ignore,
    };
    await queue.work(handlers, { concurrency: 1, engine: 'bigint' });
  });
  afterAll(async () => {
    await queue.close();
    await database.close();
  });

  it('sends a batch again, whole, when one of its calculations is submitted again', async () => {
    // Committed, but the process that did it died before enqueueing the batch's job.
    const [first] = await recorded(new CalculationRepository(database.db).submitMany(
      [70, 71, 72].map((index) => ({ index, client: 'client-s', requestId: `lost-${index}`, summary: summary(index) })),
    ));
    const view = await service.submit(71, { requestId: 'again-71', client: 'client-s' });
    expect(view).toMatchObject({ index: 71, status: 'queued' });
    const job = await eventually(() => sent.find((payload) => payload.batch === first!.calculation.batch));
    expect(job.calculations).toEqual([70, 71, 72].map((index) => ({ index, attempt: 1 })));

    // Submitted again while its job exists: the same job, not a second one.
    await service.submit(72, { requestId: 'again-72', client: 'client-s' });
    await service.submit(90, { requestId: 'new-90', client: 'client-s' });
    await eventually(() => sent.find((payload) => payload.calculations.some(({ index }) => index === 90)));
    expect(sent.filter((payload) => payload.batch === first!.calculation.batch)).toHaveLength(1);
  });

  it('tells of each submission as it ends, answered or refused, once its record is read back', async () => {
    const told: Array<number[]> = [];
    const listening: CalculationService = new CalculationService(database.db, {
      queue,
      events: new MemoryEventBus(),
      cache: new MemoryCache(),
      decimals: new DecimalService(database.db, bigintEngine),
      expensive: { fromIndex: 100_000, maxPending: 5 },
      maxExactIndex: 10_000_000,
      // What a list read at that moment shows.
      onSubmitted: () => void listening.listSubmissions({ limit: 1 }).then(({ items }) => told.push(items.map((item) => item.index))),
    });
    await listening.submit(95, { requestId: 'told-95', client: 'client-t' });
    await expect(listening.submit(96, { requestId: 'told-95', client: 'client-t' })).rejects.toMatchObject({ code: 'REQUEST_ID_REUSED' });
    await eventually(() => (told.length === 2 ? true : undefined));
    expect(told).toEqual([[95], [95]]);
  });

  it('queues an index submitted twice in one batch once', async () => {
    const views = await Promise.all([service.submit(80, { requestId: 'twice-80-a', client: 'client-s' }), service.submit(80, { requestId: 'twice-80-b', client: 'client-s' })]);
    expect(views.map((view) => view.status)).toEqual(['queued', 'queued']);
    const job = await eventually(() => sent.find((payload) => payload.calculations.some(({ index }) => index === 80)));
    expect(job.calculations.map(({ index }) => index)).toEqual([80]);
    // Enqueued with the batch's job if at all: nothing is left to run once the queue is idle.
    await eventually(async () => {
      const { waiting, active, delayed } = await queue.counts();
      return waiting + active + delayed === 0 || undefined;
    });
    expect(sentAlone.filter(({ index }) => index === 80)).toEqual([]);
  });

  it('refuses the value of a calculation before it is done (its batch job here only records that it ran)', async () => {
    expect(await service.submit(82, { requestId: 'value-82', client: 'client-s' })).toMatchObject({ status: 'queued' });
    await expect(service.value(82)).rejects.toMatchObject({ code: 'NOT_READY', status: 409 });
  });
});

describe('CalculationService on Postgres: the digits of new large values one client may ask for per day', () => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let queue: MemoryQueue;
  let service: CalculationService;
  // F(1,000) and F(1,001) have 209 digits each, F(1,002) 210: two new values fit in 500, a third does not.
  const DAILY_DIGITS = 500;

  beforeAll(async () => {
    database = await openMigratedDatabase();
    queue = new MemoryQueue({ attempts: 1, closeTimeoutMs: 5_000 });
    service = new CalculationService(database.db, {
      queue,
      events: new MemoryEventBus(),
      cache: new MemoryCache(),
      decimals: new DecimalService(database.db, bigintEngine),
      expensive: { fromIndex: 1_000, maxPending: 100, dailyDigits: { max: DAILY_DIGITS, counts: new MemoryWindowCounts(60_000) } },
      maxExactIndex: 10_000_000,
    });
  });
  afterAll(async () => {
    await queue.close();
    await database.close();
  });

  const submit = (index: number, client = 'client-q') => service.submit(index, { requestId: `quota-${client}-${index}`, client });

  it('refuses new large values past the day’s digits, records nothing of them, and never refuses what exists', async () => {
    await submit(1_000);
    await submit(1_001);
    const refused = submit(1_002);
    await expect(refused).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', status: 429 });
    const { retryAfterSeconds, message } = (await refused.catch((error: unknown) => error)) as AppError;
    expect(retryAfterSeconds).toBeGreaterThan(0);
    expect(retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(message).toBe('F(1,002) has 210 digits, more than the 82 left of the 500 digits of new large values one client may ask for in a day; try again in 1 h');
    expect(await new CalculationRepository(database.db).find(1_002)).toBeUndefined();

    // Asked again, what exists costs nothing; small indexes are not counted; another client has its own day.
    expect(await submit(1_000)).toMatchObject({ index: 1_000 });
    expect(await submit(999)).toMatchObject({ index: 999 });
    expect(await submit(1_002, 'client-r')).toMatchObject({ index: 1_002 });
  });

  it('refuses a value larger than a whole day’s digits outright, as an index too large', async () => {
    await expect(submit(3_000, 'client-t')).rejects.toMatchObject({ code: 'INDEX_TOO_LARGE', status: 400, message: 'F(3,000) has more digits than one client may ask for in a day (500)' });
  });
});
