import type { Db } from '../db/database.js';
import type { SubmissionRow } from '../db/schema.js';
import { toPage, type Page, type PageRequest } from './page.js';

export class SubmissionRepository {
  constructor(private readonly db: Db) {}

  async add(index: number): Promise<SubmissionRow> {
    return this.db.insertInto('submissions').values({ index }).returningAll().executeTakeFirstOrThrow();
  }

  async list(page: PageRequest): Promise<Page<SubmissionRow>> {
    let query = this.db.selectFrom('submissions').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
    if (page.before !== undefined) query = query.where('id', '<', page.before);
    return toPage(await query.execute(), page.limit, (row) => row.id);
  }
}
