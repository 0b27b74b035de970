import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { JobName, type JobHandlers, type JobPayloads, type JobQueue } from '../src/jobs/types.js';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import { reconcile, requeueRestored } from '../src/services/reconcile.service.js';
import { adapterKinds, createAdapters, silentLogger, type Adapters } from './support/adapters.js';
import { result, submission, summary, recorded } from './support/records.js';
import { eventually, openMigratedDatabase } from './support/services.js';

type Sent = { single: Array<JobPayloads[JobName.ComputeFibonacci]>; batches: Array<JobPayloads[JobName.ComputeFibonacciBatch]> };

describe.each(adapterKinds)('reconciliation with the %s queue', (kind) => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let db: Db;
  let calculations: CalculationRepository;
  let adapters: Adapters;
  const queues: JobQueue[] = [];

  beforeAll(async () => {
    database = await openMigratedDatabase();
    db = database.db;
    calculations = new CalculationRepository(db);
  });
  afterAll(() => database.close());
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
    await adapters.cleanup();
  });

  /** A queue that lost everything (a Redis restarted empty), reconciled `times`; returns the jobs it then ran. */
  async function reconcileIntoEmptyQueue(times = 1): Promise<Sent> {
    await adapters?.cleanup();
    adapters = createAdapters(kind);
    const queue = await adapters.queue(1);
    queues.push(queue);
    for (let i = 0; i < times; i++) await reconcile(db, queue, silentLogger);
    const jobs = (await queue.counts()).waiting;
    const sent: Sent = { single: [], batches: [] };
    const ignore = { handle: async () => {} };
    const handlers: JobHandlers = {
      [JobName.ComputeFibonacci]: { handle: async (payload) => void sent.single.push(payload) },
      [JobName.ComputeFibonacciBatch]: { handle: async (payload) => void sent.batches.push(payload) },
      [JobName.Backup]: ignore,
      [JobName.Prune]: ignore,
      [JobName.Reconcile]: ignore,
    };
    await queue.work(handlers, { concurrency: 4, engine: 'bigint' });
    await eventually(async () => ((await queue.counts()).completed === jobs ? true : undefined));
    return sent;
  }

  const request = (index: number) => submission(index, 'client-r');

  it('sends each batch again as one job of its unfinished calculations, and each single calculation alone', async () => {
    // One batch larger than a page of reconciliation, so that it spans pages; a second batch; a
    // calculation with a job of its own; and finished work, which is left alone.
    const large = await recorded(calculations.submitMany(Array.from({ length: 600 }, (_, i) => request(1_000 + i))));
    const small = await recorded(calculations.submitMany([request(5), request(6), request(7)]));
    await calculations.request(8, 'client-r', summary(8));
    await calculations.finishMany([{ index: 6, attempt: 1, ...result(8n) }]);

    const sent = await reconcileIntoEmptyQueue(2);
    expect(sent.single).toEqual([{ index: 8, attempt: 1 }]);
    expect(sent.batches.sort((a, b) => (a.calculations.length > b.calculations.length ? -1 : 1))).toEqual([
      { batch: large[0]!.calculation.batch, calculations: Array.from({ length: 600 }, (_, i) => ({ index: 1_000 + i, attempt: 1 })) },
      { batch: small[0]!.calculation.batch, calculations: [{ index: 5, attempt: 1 }, { index: 7, attempt: 1 }] },
    ]);
    await db.deleteFrom('calculations').execute();
  });

  it('queues restored work again under new ids, past the finished jobs the queue keeps of the old ones', async () => {
    const [first] = await recorded(calculations.submitMany([request(11), request(12), request(14)]));
    await calculations.finishMany([{ index: 14, attempt: 1, ...result(377n) }]);
    await calculations.request(13, 'client-r', summary(13));
    await calculations.start(13, 1);
    // The work was queued and done after the backup was taken: the queue keeps its finished jobs, and
    // the restore brings back the rows as they were, unfinished, with the same attempts and batch.
    const sent = await reconcileIntoEmptyQueue();
    expect(sent.single).toEqual([{ index: 13, attempt: 1 }]);
    const queue = queues[0]!;
    const finished = (await queue.counts()).completed;
    await reconcile(db, queue, silentLogger);
    expect((await queue.counts()).completed).toBe(finished); // taken for done: nothing runs

    await requeueRestored(db, queue, silentLogger);
    await eventually(async () => ((await queue.counts()).completed === finished + 2 ? true : undefined));
    expect(sent.single).toEqual([{ index: 13, attempt: 1 }, { index: 13, attempt: 2 }]);
    const renewed = sent.batches.at(-1)!;
    expect(renewed.batch).not.toBe(first!.calculation.batch);
    expect(renewed.calculations).toEqual([{ index: 11, attempt: 2 }, { index: 12, attempt: 2 }]);
    expect(await calculations.find(13)).toMatchObject({ status: 'queued', attempt: 2, started_at: null });
    expect(await calculations.find(14)).toMatchObject({ status: 'done', attempt: 1 }); // finished work is left alone
    await db.deleteFrom('calculations').execute();
  });

  it('sends nothing when every calculation is finished', async () => {
    await recorded(calculations.submitMany([request(9)]));
    await calculations.finishMany([{ index: 9, attempt: 1, ...result(34n) }]);
    expect(await reconcileIntoEmptyQueue()).toEqual({ single: [], batches: [] });
  });
});
