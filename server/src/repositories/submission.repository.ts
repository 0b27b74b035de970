import type { Db } from '../db/database.js';
import type { SubmissionRow } from '../db/schema.js';
import { toPage, type Page, type PageRequest } from './page.js';

export class SubmissionRepository {
  constructor(private readonly db: Db) {}

  /** Records a submission; undefined when this request was recorded already (a retried request). */
  async add(index: number, requestId: string): Promise<SubmissionRow | undefined> {
    return this.db
      .insertInto('submissions')
      .values({ index, request_id: requestId })
      .onConflict((conflict) => conflict.column('request_id').doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  /** The index a request id was recorded with; undefined when it was not. */
  async indexOf(requestId: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('submissions').select('index').where('request_id', '=', requestId).executeTakeFirst();
    return row?.index;
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
