import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import { SubmissionRepository } from '../src/repositories/submission.repository.js';
import { openMigratedDatabase } from './support/services.js';

const result = (value: string) => ({ value, digits: value.length, head: value.slice(0, 20), tail: value.slice(-20), durationMs: 1 });

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
    const first = await calculations.request(10, 'client-a');
    expect(first.changed).toBe(true);
    expect(first.calculation).toMatchObject({ index: 10, status: 'queued', attempt: 1, runs: 0 });
    const second = await calculations.request(10, 'client-a');
    expect(second.changed).toBe(false);
    expect(second.calculation.seq).toBe(first.calculation.seq);
  });

  it('claims, completes once, and ignores a second completion', async () => {
    await calculations.request(11, 'client-a');
    const claimed = await calculations.start(11, 1);
    expect(claimed).toMatchObject({ status: 'running', runs: 1 });
    expect(await calculations.complete(11, result('89'))).toMatchObject({ status: 'done', digits: 2, head: '89' });
    expect(await calculations.complete(11, result('89'))).toBeUndefined();
    expect(await calculations.start(11, 1)).toBeUndefined();
    const chunks: string[] = [];
    for await (const chunk of calculations.valueChunks(11, 1)) chunks.push(chunk);
    expect(chunks).toEqual(['8', '9']);
  });

  it('queues a failed calculation again as a new attempt, and ignores jobs of the old one', async () => {
    await calculations.request(12, 'client-a');
    await calculations.start(12, 1);
    expect(await calculations.fail(12, 1, 'The computation failed.')).toMatchObject({ status: 'failed' });
    const again = await calculations.request(12, 'client-a');
    expect(again).toMatchObject({ changed: true, calculation: { status: 'queued', attempt: 2, error: null } });
    expect(await calculations.start(12, 1)).toBeUndefined();
    expect(await calculations.start(12, 2)).toMatchObject({ status: 'running', runs: 2 });
  });

  it('serves concurrent requests for one index as one calculation', async () => {
    const requests = await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction().execute(async (trx) => {
          const request = await new CalculationRepository(trx).request(13, 'client-a');
          await new SubmissionRepository(trx).add(13, `request-${Math.random()}`);
          return request;
        }),
      ),
    );
    expect(requests.filter((request) => request.changed)).toHaveLength(1);
    const { count } = await db.selectFrom('submissions').select((eb) => eb.fn.countAll<number>().as('count')).where('index', '=', 13).executeTakeFirstOrThrow();
    expect(Number(count)).toBe(20);
  });

  it('pages newest first with a cursor, without gaps or repeats', async () => {
    for (const index of [100, 101, 102, 103, 104]) await calculations.request(index, 'client-a');
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
    await calculations.request(5_000, 'client-b');
    await calculations.request(6_000, 'client-b');
    await calculations.request(7_000, 'client-b');
    await calculations.start(7_000, 1);
    await calculations.complete(7_000, result('1'));
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
