import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../src/cache/memory.cache.js';
import { MemoryEventBus } from '../src/events/memory.bus.js';
import { bigintEngine } from '../src/fib/engine.js';
import { JobName, type JobHandlers, type JobPayloads } from '../src/jobs/types.js';
import { MemoryQueue } from '../src/jobs/memory.queue.js';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import { CalculationService } from '../src/services/calculation.service.js';
import { DecimalService } from '../src/services/decimal.service.js';
import { summary, recorded } from './support/records.js';
import { eventually, openMigratedDatabase } from './support/services.js';

describe('CalculationService on Postgres: work that never reached the queue', () => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let queue: MemoryQueue;
  let service: CalculationService;
  const sent: Array<JobPayloads[JobName.ComputeFibonacciBatch]> = [];

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
      [JobName.ComputeFibonacci]: ignore,
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

  it('queues an index submitted twice in one batch once', async () => {
    const views = await Promise.all([service.submit(80, { requestId: 'twice-80-a', client: 'client-s' }), service.submit(80, { requestId: 'twice-80-b', client: 'client-s' })]);
    expect(views.map((view) => view.status)).toEqual(['queued', 'queued']);
    const job = await eventually(() => sent.find((payload) => payload.calculations.some(({ index }) => index === 80)));
    expect(job.calculations.map(({ index }) => index)).toEqual([80]);
  });

  it('refuses the value of a calculation before it is done (its batch job here only records that it ran)', async () => {
    expect(await service.submit(82, { requestId: 'value-82', client: 'client-s' })).toMatchObject({ status: 'queued' });
    await expect(service.value(82)).rejects.toMatchObject({ code: 'NOT_READY', status: 409 });
  });
});
