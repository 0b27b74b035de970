import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { CalculationRow } from '../db/schema.js';
import type { FibSummary } from '../fib/summary.js';
import { toPage, type Page, type PageRequest } from './page.js';

export interface CompletedCalculation extends FibSummary {
  value: string;
  durationMs: number;
}

export interface CalculationRequest {
  calculation: CalculationRow;
  /** Whether the request created the calculation or queued a failed one again. */
  changed: boolean;
}

export interface UnfinishedCalculation {
  index: number;
  attempt: number;
}

export class CalculationRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records a request for F(index): a new calculation is queued; a failed one is queued again as a new
   * attempt; any other is left as it is.
   */
  async request(index: number, client: string): Promise<CalculationRequest> {
    const upserted = await this.db
      .insertInto('calculations')
      .values({ index, requested_by: client })
      .onConflict((conflict) =>
        conflict
          .column('index')
          .doUpdateSet({
            status: 'queued',
            attempt: sql`calculations.attempt + 1`,
            error: null,
            started_at: null,
            completed_at: null,
          })
          .where('calculations.status', '=', 'failed'),
      )
      .returningAll()
      .executeTakeFirst();
    if (upserted) return { calculation: upserted, changed: true };
    const existing = await this.db.selectFrom('calculations').selectAll().where('index', '=', index).executeTakeFirstOrThrow();
    return { calculation: existing, changed: false };
  }

  /** Calculations of at least `minIndex` that `client` asked for and that are not finished. */
  async countPending(client: string, minIndex: number): Promise<number> {
    const { count } = await this.db
      .selectFrom('calculations')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('requested_by', '=', client)
      .where('index', '>=', minIndex)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  async find(index: number): Promise<CalculationRow | undefined> {
    return this.db.selectFrom('calculations').selectAll().where('index', '=', index).executeTakeFirst();
  }

  async list(page: PageRequest): Promise<Page<CalculationRow>> {
    let query = this.db.selectFrom('calculations').selectAll().orderBy('seq', 'desc').limit(page.limit + 1);
    if (page.before !== undefined) query = query.where('seq', '<', page.before);
    return toPage(await query.execute(), page.limit, (row) => row.seq);
  }

  /** The most recent calculations with their values when they are at most `maxDigits` long. */
  async recentWithSmallValues(limit: number, maxDigits: number): Promise<Array<CalculationRow & { value: string | null }>> {
    return this.db
      .selectFrom('calculations as c')
      .leftJoin('calculation_values as v', (join) =>
        join.onRef('v.index', '=', 'c.index').on('c.digits', '<=', maxDigits),
      )
      .selectAll('c')
      .select('v.value')
      .orderBy('c.seq', 'desc')
      .limit(limit)
      .execute();
  }

  /**
   * Claims a calculation for computing. Returns undefined when there is nothing to do (done, or the job
   * belongs to an older attempt), so a job delivered twice computes nothing the second time.
   */
  async start(index: number, attempt: number): Promise<CalculationRow | undefined> {
    return this.db
      .updateTable('calculations')
      .set({ status: 'running', runs: sql`runs + 1`, started_at: sql`now()` })
      .where('index', '=', index)
      .where('attempt', '=', attempt)
      .where('status', 'in', ['queued', 'running'])
      .returningAll()
      .executeTakeFirst();
  }

  /** Stores the value and marks the calculation done, once: a second completion changes nothing. */
  async complete(index: number, result: CompletedCalculation): Promise<CalculationRow | undefined> {
    return this.db.transaction().execute(async (trx) => {
      await trx.insertInto('calculation_values').values({ index, value: result.value }).onConflict((c) => c.doNothing()).execute();
      return trx
        .updateTable('calculations')
        .set({
          status: 'done',
          digits: result.digits,
          head: result.head,
          tail: result.tail,
          duration_ms: result.durationMs,
          error: null,
          completed_at: sql`now()`,
        })
        .where('index', '=', index)
        .where('status', '!=', 'done')
        .returningAll()
        .executeTakeFirst();
    });
  }

  async fail(index: number, attempt: number, error: string): Promise<CalculationRow | undefined> {
    return this.db
      .updateTable('calculations')
      .set({ status: 'failed', error, completed_at: sql`now()` })
      .where('index', '=', index)
      .where('attempt', '=', attempt)
      .where('status', '!=', 'done')
      .returningAll()
      .executeTakeFirst();
  }

  /** Unfinished calculations, oldest first, a batch at a time (`after`: the last seq already seen). */
  async unfinished(after: number, limit: number): Promise<Array<UnfinishedCalculation & { seq: number }>> {
    return this.db
      .selectFrom('calculations')
      .select(['index', 'attempt', 'seq'])
      .where('status', 'in', ['queued', 'running'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
  }

  /** The decimal value in slices of `size` characters, so a value of millions of digits is never read whole. */
  async *valueChunks(index: number, size: number): AsyncGenerator<string> {
    for (let offset = 1; ; offset += size) {
      const row = await this.db
        .selectFrom('calculation_values')
        .select(sql<string>`substr(value, ${offset}, ${size})`.as('chunk'))
        .where('index', '=', index)
        .executeTakeFirst();
      if (!row?.chunk) return;
      yield row.chunk;
      if (row.chunk.length < size) return;
    }
  }
}
