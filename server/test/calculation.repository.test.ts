import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { CalculationRepository, type SubmitResult } from '../src/repositories/calculation.repository.js';
import { SubmissionRepository } from '../src/repositories/submission.repository.js';
import { summarize } from '../src/fib/summary.js';
import { result, submission, summary, recorded } from './support/records.js';
import { eventually, openMigratedDatabase } from './support/services.js';

describe('CalculationRepository on Postgres', () => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let db: Db;
  let calculations: CalculationRepository;

  beforeAll(async () => {
    database = await openMigratedDatabase();
    db = database.db;
    calculations = new CalculationRepository(db);
  });
  afterAll(() => database.close());

  it('creates a queued calculation on the first request and leaves it alone on the next', async () => {
    const first = await calculations.request(10, 'client-a', summary(10));
    expect(first.changed).toBe(true);
    expect(first.calculation).toMatchObject({ index: 10, status: 'queued', attempt: 1, runs: 0 });
    const second = await calculations.request(10, 'client-a', summary(10));
    expect(second.changed).toBe(false);
    expect(second.calculation.seq).toBe(first.calculation.seq);
  });

  it('claims, completes once, and ignores a second completion', async () => {
    await calculations.request(11, 'client-a', summary(11));
    const claimed = await calculations.start(11, 1);
    expect(claimed).toMatchObject({ status: 'running', runs: 1 });
    expect(await calculations.complete(11, result(89n))).toMatchObject({ status: 'done', digits: 2, head: '89', tail: '89' });
    expect(await calculations.complete(11, result(89n))).toBeUndefined();
    expect(await calculations.start(11, 1)).toBeUndefined();
    const chunks: string[] = [];
    for await (const chunk of calculations.valueChunks(11, 1)) chunks.push(chunk);
    expect(chunks).toEqual(['8', '9']);
  });

  it('finishes values computed before their claim in one statement, once each, for the current attempt only', async () => {
    for (const index of [15, 16]) await calculations.request(index, 'client-a', summary(index));
    const finish = (index: number, attempt: number, value: bigint) => ({ index, attempt, ...result(value) });
    expect(await calculations.finishMany([finish(15, 2, 610n), finish(16, 1, 987n)])).toEqual([
      undefined,
      expect.objectContaining({ index: 16, status: 'done', runs: 1, digits: 3 }),
    ]);
    expect(await calculations.finishMany([finish(15, 1, 610n), finish(16, 1, 987n)])).toEqual([
      expect.objectContaining({ index: 15, status: 'done', runs: 1, attempt: 1 }),
      undefined,
    ]);
    for (const [index, digits] of [[15, '610'], [16, '987']] as const) {
      const chunks: string[] = [];
      for await (const chunk of calculations.valueChunks(index, 10)) chunks.push(chunk);
      expect(chunks).toEqual([digits]);
    }
    expect(await calculations.find(15)).toMatchObject({ started_at: expect.any(Date), completed_at: expect.any(Date) });
    // An old attempt finishing beside the current one changes nothing, and is not told it did.
    await calculations.request(18, 'client-a', summary(18));
    await calculations.start(18, 1);
    await calculations.fail(18, 1, 'The computation failed.');
    await calculations.requeueFailed(18);
    expect(await calculations.finishMany([finish(18, 1, 2584n), finish(18, 2, 2584n)])).toEqual([
      undefined,
      expect.objectContaining({ index: 18, status: 'done', attempt: 2 }),
    ]);
    // A large value, bytes alone: the bytes round-trip exactly.
    await calculations.request(17, 'client-a', summary(17));
    const bytes = new Uint8Array(5000).map((_, i) => i % 251);
    await calculations.finishMany([{ index: 17, attempt: 1, bytes, decimal: null, durationMs: 1 }]);
    const stored = await db.selectFrom('calculation_values').select('bytes').where('index', '=', 17).executeTakeFirstOrThrow();
    expect(new Uint8Array(stored.bytes!)).toEqual(bytes);
  });

  it('records a summary-only calculation as done at once, with no value', async () => {
    const { calculation } = await calculations.request(2 ** 40, 'client-a', summary(2 ** 40, false));
    expect(calculation).toMatchObject({ status: 'done', exact: false, digits: 229_784_340_516, tail: '76088411936388674107' });
    expect(calculation.completed_at).toBeInstanceOf(Date);
    expect(await calculations.start(2 ** 40, 1)).toBeUndefined();
  });

  it('stores bytes alone for a large value and keeps its decimal once converted', async () => {
    await calculations.request(14, 'client-a', summary(14));
    await calculations.start(14, 1);
    await calculations.complete(14, result(377n, null));
    expect([...(await calculations.uncachedBytes(14))!]).toEqual([1, 121]); // 377 = 0x0179
    await calculations.cacheDecimal(14, '377');
    expect(await calculations.uncachedBytes(14)).toBeUndefined();
    const chunks: string[] = [];
    for await (const chunk of calculations.valueChunks(14, 2)) chunks.push(chunk);
    expect(chunks).toEqual(['37', '7']);
  });

  it('queues a failed calculation again as a new attempt, and ignores jobs of the old one', async () => {
    await calculations.request(12, 'client-a', summary(12));
    await calculations.start(12, 1);
    expect(await calculations.fail(12, 1, 'The computation failed.')).toMatchObject({ status: 'failed' });
    const again = await calculations.request(12, 'client-a', summary(12));
    expect(again).toMatchObject({ changed: true, calculation: { status: 'queued', attempt: 2, error: null } });
    expect(await calculations.start(12, 1)).toBeUndefined();
    expect(await calculations.start(12, 2)).toMatchObject({ status: 'running', runs: 2 });
  });

  it('serves concurrent requests for one index as one calculation', async () => {
    const requests = await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction().execute(async (trx) => {
          const request = await new CalculationRepository(trx).request(13, 'client-a', summary(13));
          await new SubmissionRepository(trx).add(13, `request-${Math.random()}`);
          return request;
        }),
      ),
    );
    expect(requests.filter((request) => request.changed)).toHaveLength(1);
    const { count } = await db.selectFrom('submissions').select((eb) => eb.fn.countAll<number>().as('count')).where('index', '=', 13).executeTakeFirstOrThrow();
    expect(Number(count)).toBe(20);
  });

  const submit = async (index: number, client: string, requestId: string, requested = summary(index)) =>
    (await recorded(calculations.submitMany([{ index, client, requestId, summary: requested }])))[0]!;

  it('submits in one statement: creates once, records each request id once, queues a failed one again', async () => {
    const first = await submit(40, 'client-a', 'request-40-a', summary(40));
    expect(first).toMatchObject({ changed: true, calculation: { index: 40, status: 'queued', attempt: 1 }, submission: { index: 40 } });
    expect(await submit(40, 'client-a', 'request-40-b', summary(40))).toMatchObject({ changed: false, submission: { index: 40 } });
    expect((await submit(40, 'client-a', 'request-40-b', summary(40))).submission).toBeUndefined();
    await calculations.start(40, 1);
    await calculations.fail(40, 1, 'The computation failed.');
    expect(await submit(40, 'client-a', 'request-40-c', summary(40))).toMatchObject({ changed: true, calculation: { status: 'queued', attempt: 2 } });
  });

  it('refuses a request id that another transaction records meanwhile with another index, once that one commits', async () => {
    let recorded!: () => void;
    let release!: () => void;
    const isRecorded = new Promise<void>((resolve) => (recorded = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = db.transaction().execute(async (trx) => {
      await new CalculationRepository(trx).request(140, 'client-a', summary(140));
      await new SubmissionRepository(trx).add(140, 'concurrent-140');
      recorded();
      await held;
    });
    await isRecorded;
    const second = calculations.submitMany([{ index: 141, requestId: 'concurrent-140', client: 'client-a', summary: summary(141) }]);
    // The second statement waits on the first transaction's submission.
    await eventually(async () => {
      const { rows } = await sql<{ waiting: string }>`SELECT count(*) AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%submit_calculations%'`.execute(db);
      return Number(rows[0]!.waiting) > 0 ? true : undefined;
    });
    release();
    await first;
    expect(await second).toEqual([{ reusedFor: 140 }]);
    expect(await calculations.find(141)).toBeUndefined();
  });

  it('submits a summary-only index in one statement as done, with its summary', async () => {
    const { calculation, changed } = await submit(2 ** 41, 'client-a', 'request-2^41', summary(2 ** 41, false));
    expect(changed).toBe(true);
    expect(calculation).toMatchObject({ status: 'done', exact: false, digits: summarize(2 ** 41).digits });
    expect(calculation.completed_at).toBeInstanceOf(Date);
  });

  it('submits one index concurrently as one calculation, every submission recorded', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => submit(41, 'client-a', `request-41-${i}`, summary(41))));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    expect(results.every((result) => result.calculation.index === 41 && result.submission?.index === 41)).toBe(true);
    expect(new Set(results.map((result) => result.submission!.id)).size).toBe(20);
  });

  it('submits a batch in one statement: one calculation per index, one submission per request id, results in order', async () => {
    await submit(50, 'client-a', 'request-50-a');
    await calculations.start(50, 1);
    await calculations.fail(50, 1, 'The computation failed.');
    await submit(51, 'client-a', 'request-51-a');
    const batch = [
      { index: 52, requestId: 'batch-1' }, // new
      { index: 51, requestId: 'batch-2' }, // queued already
      { index: 53, requestId: 'request-51-a' }, // a request id recorded before with another index
      { index: 52, requestId: 'batch-3' }, // new, twice in the batch
      { index: 50, requestId: 'batch-4' }, // failed: queued again
      { index: 52, requestId: 'batch-1' }, // a request id sent twice
      { index: 54, requestId: 'batch-2' }, // a request id that came earlier in the batch with another index
      { index: 51, requestId: 'request-51-a' }, // a request id recorded before
      { index: 2 ** 42, requestId: 'batch-5' }, // summary-only
    ];
    const results = await calculations.submitMany(
      batch.map(({ index, requestId }) => ({ index, requestId, client: 'client-batch', summary: summary(index, index < 2 ** 40) })),
    );
    expect(results.map((result) => ('reusedFor' in result ? result : [result.calculation.index, result.calculation.status, result.calculation.attempt, result.changed]))).toEqual([
      [52, 'queued', 1, true],
      [51, 'queued', 1, false],
      { reusedFor: 51 },
      [52, 'queued', 1, false],
      [50, 'queued', 2, true],
      [52, 'queued', 1, false],
      { reusedFor: 51 },
      [51, 'queued', 1, false],
      [2 ** 42, 'done', 1, true],
    ]);
    expect(results.map((result) => ('reusedFor' in result ? 'refused' : result.submission?.request_id))).toEqual([
      'batch-1',
      'batch-2',
      'refused',
      'batch-3',
      'batch-4',
      undefined,
      'refused',
      undefined,
      'batch-5',
    ]);
    expect((results[0] as SubmitResult).calculation.requested_by).toBe('client-batch');
    const stored = await db.selectFrom('submissions').select(['index', 'request_id']).where('request_id', 'like', 'batch-%').orderBy('id').execute();
    expect(stored).toEqual([
      { index: 52, request_id: 'batch-1' },
      { index: 51, request_id: 'batch-2' },
      { index: 52, request_id: 'batch-3' },
      { index: 50, request_id: 'batch-4' },
      { index: 2 ** 42, request_id: 'batch-5' },
    ]);
    // The refused submissions asked for nothing.
    expect(await calculations.find(53)).toBeUndefined();
    expect(await calculations.find(54)).toBeUndefined();
  });

  it('refuses a request id reused with another index, recording nothing, and answers the rest of its batch', async () => {
    await submit(130, 'client-a', 'reused-130');
    const results = await calculations.submitMany([
      { index: 131, requestId: 'reused-130', client: 'client-a', summary: summary(131) },
      { index: 130, requestId: 'reused-130', client: 'client-a', summary: summary(130) },
      { index: 132, requestId: 'fresh-132', client: 'client-a', summary: summary(132) },
    ]);
    expect(results[0]).toEqual({ reusedFor: 130 });
    expect(results[1]).toMatchObject({ changed: false, calculation: { index: 130 }, submission: undefined });
    expect(results[2]).toMatchObject({ changed: true, calculation: { index: 132 }, submission: { request_id: 'fresh-132' } });
    expect(await calculations.find(131)).toBeUndefined();
    expect(await db.selectFrom('submissions').select('index').where('request_id', '=', 'reused-130').execute()).toEqual([{ index: 130 }]);
    // The release before this function (a rollback) reads a refused submission as a calculation not
    // changed: it must come with one, the calculation its request id belongs to.
    const input = [{ index: 133, client: 'client-a', request_id: 'reused-130', ...summary(133), exact: true, duration_ms: 0 }];
    const { rows } = await sql<{ index: number; changed: boolean | null }>`
      SELECT (r.calculation).index, r.changed FROM submit_calculations(${JSON.stringify(input)}::jsonb) AS r`.execute(db);
    expect(rows).toEqual([{ index: 130, changed: false }]);
  });

  it('finishes overlapping batches concurrently, in any order: each value once, no deadlock', async () => {
    // The same batch's job may run twice at once (found in both queues during a rolling update), its
    // values listed in another order.
    const indexes = Array.from({ length: 2_000 }, (_, i) => 2_000 + i);
    await recorded(calculations.submitMany(indexes.map((index) => submission(index, 'client-finish'))));
    const finish = (index: number) => ({ index, attempt: 1, ...result(BigInt(index)) });
    const [forward, backward] = await Promise.all([
      calculations.finishMany(indexes.map(finish)),
      calculations.finishMany([...indexes].reverse().map(finish)),
    ]);
    const finished = [...forward, ...backward].flatMap((row) => (row ? [row.index] : []));
    expect(finished.sort((a, b) => a - b)).toEqual(indexes);
    const rows = await db.selectFrom('calculations').select(['status', 'runs']).where('index', 'in', indexes).execute();
    expect(rows.every(({ status, runs }) => status === 'done' && runs === 1)).toBe(true);
  });

  it('submits overlapping batches concurrently: each index created once, nothing lost', async () => {
    const indexes = Array.from({ length: 30 }, (_, i) => 200 + i);
    const batches = Array.from({ length: 8 }, (_, b) =>
      recorded(calculations.submitMany(
        // Each batch in its own order, so their rows would interleave.
        [...indexes].sort(() => (b % 2 ? 1 : -1)).map((index, i) => ({ index, requestId: `overlap-${b}-${i}`, client: 'client-overlap', summary: summary(index) })),
      )),
    );
    const results = (await Promise.all(batches)).flat();
    expect(results).toHaveLength(240);
    expect(results.filter((result) => result.changed).map((result) => result.calculation.index).sort()).toEqual(indexes);
    expect(results.every((result) => result.submission !== undefined && result.calculation.status === 'queued')).toBe(true);
  });

  it('pages newest first with a cursor, without gaps or repeats', async () => {
    for (const index of [100, 101, 102, 103, 104]) await calculations.request(index, 'client-a', summary(index));
    const seen: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await calculations.list({ limit: 2, before });
      seen.push(...page.items.map((row) => row.index));
      if (page.next === null) break;
      before = page.next;
    }
    expect(seen.slice(0, 5)).toEqual([104, 103, 102, 101, 100]);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('counts a client’s unfinished calculations from an index up', async () => {
    await calculations.request(5_000, 'client-b', summary(5_000));
    await calculations.request(6_000, 'client-b', summary(6_000));
    await calculations.request(7_000, 'client-b', summary(7_000));
    await calculations.start(7_000, 1);
    await calculations.complete(7_000, result(1n));
    expect(await calculations.countPending('client-b', 5_500)).toBe(1);
    expect(await calculations.countPending('client-b', 0)).toBe(2);
    expect(await calculations.countPending('client-c', 0)).toBe(0);
  });

  it('puts the calculations one call queues in one new batch, and a calculation queued again alone in none', async () => {
    const request = (index: number, exact = true) => submission(index, 'client-d', exact);
    const [a, b, summaryOnly, aAgain] = await recorded(calculations.submitMany([request(60), request(61), request(2 ** 42, false), request(60)]));
    expect(a!.calculation.batch).toEqual(expect.any(String));
    expect(b!.calculation.batch).toBe(a!.calculation.batch);
    expect(aAgain!.calculation.batch).toBe(a!.calculation.batch);
    expect(summaryOnly!.calculation.batch).toBeNull();
    // Submitted again: the calculation keeps its batch, and its batch's job.
    const [later, c] = await recorded(calculations.submitMany([request(61), request(62)]));
    expect(later).toMatchObject({ changed: false, calculation: { batch: a!.calculation.batch } });
    expect(c!.calculation.batch).toEqual(expect.any(String));
    expect(c!.calculation.batch).not.toBe(a!.calculation.batch);
    expect(await calculations.unfinishedInBatches([a!.calculation.batch!])).toEqual([
      { index: 60, attempt: 1, batch: a!.calculation.batch },
      { index: 61, attempt: 1, batch: a!.calculation.batch },
    ]);
    // Failed, then submitted again: a new attempt in the new call's batch.
    await calculations.fail(60, 1, 'The computation failed.');
    const [retried] = await recorded(calculations.submitMany([request(60)]));
    expect(retried!.calculation).toMatchObject({ status: 'queued', attempt: 2, batch: expect.any(String) });
    expect([a!.calculation.batch, c!.calculation.batch]).not.toContain(retried!.calculation.batch);
    expect(await calculations.unfinishedInBatches([a!.calculation.batch!])).toEqual([{ index: 61, attempt: 1, batch: a!.calculation.batch }]);
    // Queued again by an operator or an expensive request: a job of its own.
    await calculations.fail(61, 1, 'The computation failed.');
    expect(await calculations.requeueFailed(61)).toMatchObject({ status: 'queued', attempt: 2, batch: null });
    await calculations.fail(62, 1, 'The computation failed.');
    expect(await calculations.request(62, 'client-d', summary(62))).toMatchObject({ changed: true, calculation: { attempt: 2, batch: null } });
  });

  it('lists unfinished calculations in batches', async () => {
    const unfinished = await calculations.unfinished(0, 1_000);
    const indexes = unfinished.map((row) => row.index);
    expect(indexes).toContain(10);
    expect(indexes).not.toContain(11);
    const [first] = await calculations.unfinished(0, 1);
    expect(await calculations.unfinished(first!.seq, 1_000)).toHaveLength(unfinished.length - 1);
  });
});

/**
 * A session keeps the plans of the write functions, made on the table as it was then: these run each
 * function in a session that planned it on an empty table, and count the table reads of one more call.
 */
describe('the write statements, planned on an empty table', () => {
  const onNewDatabase = async (work: (calculations: CalculationRepository, reads: (table?: string) => Promise<TableReads>) => Promise<void>) => {
    const database = await openMigratedDatabase();
    try {
      await database.db.connection().execute(async (session) => {
        // The session's reads of the table so far, as Postgres counts them (those not yet published too).
        const reads = async (table = 'calculations') =>
          (await sql<TableReads>`SELECT seq_scan, idx_tup_fetch FROM pg_stat_xact_user_tables WHERE relname = ${table}`.execute(session)).rows[0]!;
        await work(new CalculationRepository(session), reads);
      });
    } finally {
      await database.close();
    }
  };
  const request = (index: number) => submission(index, 'client-plan');
  const finished = (index: number) => ({ index, attempt: 1, ...result(1n) });
  const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

  it('submit without reading the whole table once it has grown', async () => {
    await onNewDatabase(async (calculations, reads) => {
      const retried = request(7);
      for (let i = 0; i < 8; i++) await recorded(calculations.submitMany([i === 7 ? retried : request(i)]));
      await recorded(calculations.submitMany(range(1_000, 5_000).map(request)));
      const before = { calculations: await reads(), submissions: await reads('submissions') };
      // A new index, a repeated one, and a request sent again (its id looked up among the submissions).
      const results = await recorded(calculations.submitMany([request(3), request(10_000), retried]));
      expect(results.map(({ changed, submission }) => [changed, submission !== undefined])).toEqual([[false, true], [true, true], [false, false]]);
      expect((await reads()).seq_scan - before.calculations.seq_scan).toBe(0);
      expect((await reads('submissions')).seq_scan - before.submissions.seq_scan).toBe(0);
    });
  });

  it('finish by key, without reading the other unfinished calculations', async () => {
    await onNewDatabase(async (calculations, reads) => {
      for (let i = 0; i < 8; i++) {
        await recorded(calculations.submitMany([request(i)]));
        await calculations.finishMany([finished(i)]);
      }
      // A backlog: work queued faster than the workers finish it.
      await recorded(calculations.submitMany(range(1_000, 5_000).map(request)));
      const before = await reads();
      const done = await calculations.finishMany([finished(1_000), finished(1_001)]);
      expect(done.map((row) => row?.status)).toEqual(['done', 'done']);
      const after = await reads();
      expect(after.seq_scan - before.seq_scan).toBe(0);
      // Per value: its calculation, by key, and the stored value's reference to it, checked by key.
      expect(after.idx_tup_fetch - before.idx_tup_fetch).toBeLessThanOrEqual(4);
    });
  });
});

interface TableReads {
  seq_scan: number;
  idx_tup_fetch: number;
}
