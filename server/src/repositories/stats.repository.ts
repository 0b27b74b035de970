import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { CalculationRow } from '../db/schema.js';

export interface Throughput {
  done: number;
  failed: number;
}

/** What the admin page reads from the record: throughput, the slowest and the failed calculations. */
export class StatsRepository {
  constructor(private readonly db: Db) {}

  /** Calculations finished (done or failed) in the last `minutes`. */
  async finishedSince(minutes: number): Promise<Throughput> {
    const rows = await this.db
      .selectFrom('calculations')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('status', 'in', ['done', 'failed'])
      .where('completed_at', '>', sql<Date>`now() - make_interval(mins => ${minutes})`)
      .groupBy('status')
      .execute();
    const count = (status: string) => Number(rows.find((row) => row.status === status)?.count ?? 0);
    return { done: count('done'), failed: count('failed') };
  }

  /** The slowest calculations finished in the last `hours`. */
  async slowest(hours: number, limit: number): Promise<CalculationRow[]> {
    return this.db
      .selectFrom('calculations')
      .selectAll()
      .where('status', '=', 'done')
      .where('completed_at', '>', sql<Date>`now() - make_interval(hours => ${hours})`)
      .orderBy('duration_ms', 'desc')
      .limit(limit)
      .execute();
  }

  /** How many calculations have failed, counted up to `max` at most (their partial index, no further). */
  async countFailed(max: number): Promise<number> {
    const { count } = await this.db
      .selectFrom((eb) => eb.selectFrom('calculations').select('index').where('status', '=', 'failed').limit(max).as('failed'))
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /** Failed calculations, the latest first. */
  async failed(limit: number): Promise<CalculationRow[]> {
    return this.db.selectFrom('calculations').selectAll().where('status', '=', 'failed').orderBy('completed_at', 'desc').limit(limit).execute();
  }
}
