import { sql, type Kysely } from 'kysely';

/**
 * A submission remembers the id of the request that made it, so a request the proxy sends again (after
 * a replica failed mid-request) is recorded once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE submissions ADD COLUMN request_id text`.execute(db);
  await sql`CREATE UNIQUE INDEX submissions_request_id_key ON submissions (request_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE submissions DROP COLUMN request_id`.execute(db);
}
