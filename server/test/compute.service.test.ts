import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../src/cache/memory.cache.js';
import type { Db } from '../src/db/database.js';
import { MemoryEventBus } from '../src/events/memory.bus.js';
import type { AppEvent } from '../src/events/bus.js';
import { computeWith } from '../src/fib/compute.task.js';
import { bigintEngine } from '../src/fib/engine.js';
import { MemoryQueue } from '../src/jobs/memory.queue.js';
import { WorkerLostError } from '../src/jobs/run-job.js';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import { ComputeService } from '../src/services/compute.service.js';
import { silentLogger } from './support/adapters.js';
import { summary, recorded } from './support/records.js';
import { openMigratedDatabase } from './support/services.js';

/** F(n) by the definition. */
function fibonacci(n: number): bigint {
  let [a, b] = [0n, 1n];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

describe('ComputeService on Postgres: batches', () => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let db: Db;
  let calculations: CalculationRepository;
  let compute: ComputeService;
  // Jobs the service queues wait here: no worker takes them.
  const queue = new MemoryQueue({ attempts: 3, closeTimeoutMs: 1_000 });
  const events: AppEvent[] = [];
  const computed: number[] = [];
  const context = { signal: new AbortController().signal, attempt: 1, attempts: 3, id: 'fibs-test' };
  /** Redis going away for one message. */
  const bus = new (class extends MemoryEventBus {
    failNext = false;
    override async publish(...published: AppEvent[]): Promise<void> {
      if (this.failNext) {
        this.failNext = false;
        throw new Error('Connection is closed.');
      }
      return super.publish(...published);
    }
  })();

  beforeAll(async () => {
    database = await openMigratedDatabase();
    db = database.db;
    calculations = new CalculationRepository(db);
    await bus.subscribe((event) => void events.push(event));
    const fib = { compute: async (index: number) => (computed.push(index), computeWith(bigintEngine, index)) };
    compute = new ComputeService(db, fib, queue, bus, new MemoryCache(), silentLogger);
  });
  afterAll(async () => {
    await queue.close();
    await database.close();
  });

  const submit = (indexes: number[]) =>
    recorded(calculations.submitMany(indexes.map((index) => ({ index, client: 'client-c', requestId: `compute-${index}-${Math.random()}`, summary: summary(index) }))));
  const values = async (indexes: number[]) =>
    Object.fromEntries((await db.selectFrom('calculation_values').select(['index', 'decimal']).where('index', 'in', indexes).execute()).map((row) => [row.index, row.decimal]));

  it('computes, stores and announces every calculation of a batch, and changes each record once when delivered twice', async () => {
    const submitted = await submit([100, 4_786, 4_796, 60_000]);
    const batch = submitted[0]!.calculation.batch!;
    const payload = { batch, calculations: submitted.map(({ calculation: { index, attempt } }) => ({ index, attempt })) };
    events.length = 0;
    await compute.batch.handle(payload, context);
    await compute.batch.handle(payload, context);

    const rows = await db.selectFrom('calculations').select(['index', 'status', 'runs']).where('batch', '=', batch).orderBy('index').execute();
    expect(rows).toEqual([
      { index: 100, status: 'done', runs: 1 },
      { index: 4_786, status: 'done', runs: 1 },
      { index: 4_796, status: 'done', runs: 1 },
      { index: 60_000, status: 'done', runs: 1 },
    ]);
    // Decimals come along with every value of up to 1,000 digits (F(4,786) is the last), so with
    // every one of up to 416 bytes (F(4,795)); a larger one is converted on its first download.
    expect(await values([100, 4_786, 4_796, 60_000])).toEqual({ 100: fibonacci(100).toString(), 4786: fibonacci(4_786).toString(), 4796: null, 60000: null });
    const done = events.filter((event) => event.type === 'calculation').map((event) => event.data);
    expect(done.map(({ index, status }) => ({ index, status }))).toEqual([
      { index: 100, status: 'done' },
      { index: 4_786, status: 'done' },
      { index: 4_796, status: 'done' },
      { index: 60_000, status: 'done' },
    ]);
  });

  it('leaves alone a calculation queued again since the batch was sent, and fails for good only what is unfinished', async () => {
    const submitted = await submit([300, 301]);
    const batch = submitted[0]!.calculation.batch!;
    const payload = { batch, calculations: [{ index: 300, attempt: 1 }, { index: 301, attempt: 1 }] };
    // 301 failed and was queued again as attempt 2 elsewhere: this batch's attempt 1 of it is stale.
    await calculations.fail(301, 1, 'The computation failed.');
    await calculations.requeueFailed(301);
    computed.length = 0;
    await compute.batch.handle(payload, context);
    expect(computed).toEqual([300, 301]);
    expect(await db.selectFrom('calculations').select(['index', 'status', 'attempt']).where('index', 'in', [300, 301]).orderBy('index').execute()).toEqual([
      { index: 300, status: 'done', attempt: 1 },
      { index: 301, status: 'queued', attempt: 2 },
    ]);

    const [again] = await submit([302]);
    await compute.batch.onFailed!({ batch: again!.calculation.batch!, calculations: [{ index: 300, attempt: 1 }, { index: 302, attempt: 1 }] }, new Error('boom'));
    expect(await db.selectFrom('calculations').select(['index', 'status', 'error']).where('index', 'in', [300, 302]).orderBy('index').execute()).toEqual([
      { index: 300, status: 'done', error: null },
      { index: 302, status: 'failed', error: 'The computation failed.' },
    ]);

    // Its workers kept stopping mid-run (killed, out of memory): the queue failed it without a run.
    const [lost] = await submit([303]);
    await compute.batch.onFailed!({ batch: lost!.calculation.batch!, calculations: [{ index: 303, attempt: 1 }] }, new WorkerLostError('job stalled more than allowable limit'));
    expect(await db.selectFrom('calculations').select(['status', 'error']).where('index', '=', 303).executeTakeFirst()).toEqual({
      status: 'failed',
      error: 'The workers computing it stopped before finishing, too many times.',
    });
  });

  it('queues a calculation again as a new attempt when its failed job is run again (a retry from the queue dashboard)', async () => {
    const [submitted] = await submit([310]);
    const payload = { batch: submitted!.calculation.batch!, calculations: [{ index: 310, attempt: 1 }] };
    await compute.batch.onFailed!(payload, new Error('boom'));
    events.length = 0;
    const waiting = (await queue.counts()).waiting;

    await compute.batch.handle(payload, context);
    expect(await db.selectFrom('calculations').select(['status', 'attempt', 'batch']).where('index', '=', 310).executeTakeFirst()).toEqual({
      status: 'queued',
      attempt: 2,
      batch: null,
    });
    expect((await queue.counts()).waiting).toBe(waiting + 1);
    expect(events).toContainEqual({ type: 'calculation', data: expect.objectContaining({ index: 310, status: 'queued' }) });

    // Run once more, the old job finds nothing failed: nothing more is queued.
    await compute.batch.handle(payload, context);
    expect((await queue.counts()).waiting).toBe(waiting + 1);
  });

  it('keeps a failure it recorded when its event cannot be sent, so the job is not run again as a retry', async () => {
    const [submitted] = await submit([320]);
    bus.failNext = true;
    await compute.batch.onFailed!({ batch: submitted!.calculation.batch!, calculations: [{ index: 320, attempt: 1 }] }, new Error('boom'));
    expect(await db.selectFrom('calculations').select(['status', 'attempt']).where('index', '=', 320).executeTakeFirst()).toEqual({ status: 'failed', attempt: 1 });
  });
});
