import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import { SubmissionRepository } from '../src/repositories/submission.repository.js';
import { summarize } from '../src/fib/summary.js';
import { result, summary } from './support/records.js';
import { openMigratedDatabase } from './support/services.js';

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

  it('submits in one statement: creates once, records each request id once, queues a failed one again', async () => {
    const first = await calculations.submit(40, 'client-a', 'request-40-a', summary(40));
    expect(first).toMatchObject({ changed: true, calculation: { index: 40, status: 'queued', attempt: 1 }, submission: { index: 40 } });
    expect(await calculations.submit(40, 'client-a', 'request-40-b', summary(40))).toMatchObject({ changed: false, submission: { index: 40 } });
    expect((await calculations.submit(40, 'client-a', 'request-40-b', summary(40))).submission).toBeUndefined();
    await calculations.start(40, 1);
    await calculations.fail(40, 1, 'The computation failed.');
    expect(await calculations.submit(40, 'client-a', 'request-40-c', summary(40))).toMatchObject({ changed: true, calculation: { status: 'queued', attempt: 2 } });
  });

  it('submits a summary-only index in one statement as done, with its summary', async () => {
    const { calculation, changed } = await calculations.submit(2 ** 41, 'client-a', 'request-2^41', summary(2 ** 41, false));
    expect(changed).toBe(true);
    expect(calculation).toMatchObject({ status: 'done', exact: false, digits: summarize(2 ** 41).digits });
    expect(calculation.completed_at).toBeInstanceOf(Date);
  });

  it('submits one index concurrently as one calculation, every submission recorded', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => calculations.submit(41, 'client-a', `request-41-${i}`, summary(41))));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    expect(results.every((result) => result.calculation.index === 41 && result.submission?.index === 41)).toBe(true);
    expect(new Set(results.map((result) => result.submission!.id)).size).toBe(20);
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

  it('lists unfinished calculations in batches', async () => {
    const unfinished = await calculations.unfinished(0, 1_000);
    const indexes = unfinished.map((row) => row.index);
    expect(indexes).toContain(10);
    expect(indexes).not.toContain(11);
    const [first] = await calculations.unfinished(0, 1);
    expect(await calculations.unfinished(first!.seq, 1_000)).toHaveLength(unfinished.length - 1);
  });
});
