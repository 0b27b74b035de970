import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { SubmissionRow } from '../db/schema.js';
import { toPage, type Page, type PageRequest } from './page.js';

export class SubmissionRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records a submission unless its request id was recorded before (by another transaction too, once it
   * has committed). Answers the submission recorded now, if any, and the index the request id belongs to.
   */
  async add(index: number, requestId: string): Promise<{ recorded: SubmissionRow | undefined; indexOfRequest: number }> {
    const row = await this.db
      .insertInto('submissions')
      .values({ index, request_id: requestId })
      // A no-op update, so that the row recorded before is returned (and waited for, if uncommitted).
      .onConflict((conflict) => conflict.column('request_id').doUpdateSet({ request_id: sql`excluded.request_id` }))
      .returningAll()
      .returning(sql<boolean>`xmax = 0`.as('inserted'))
      .executeTakeFirstOrThrow();
    const { inserted, ...submission } = row;
    return { recorded: inserted ? submission : undefined, indexOfRequest: submission.index };
  }

  async list(page: PageRequest): Promise<Page<Omit<SubmissionRow, 'request_id'>>> {
    let query = this.db.selectFrom('submissions').select(['id', 'index', 'created_at']).orderBy('id', 'desc').limit(page.limit + 1);
    if (page.before !== undefined) query = query.where('id', '<', page.before);
    return toPage(await query.execute(), page.limit, (row) => row.id);
  }

  /** Deletes submissions made before `date`; returns how many. */
  async deleteBefore(date: Date): Promise<number> {
    const result = await this.db.deleteFrom('submissions').where('created_at', '<', date).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
