import { sql, type Kysely } from 'kysely';

/**
 * A calculation remembers the client that first asked for it, so the expensive work one client has
 * queued and not yet finished can be counted (and capped) cheaply.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE calculations ADD COLUMN requested_by text`.execute(db);
  await sql`CREATE INDEX calculations_pending_by_client_idx ON calculations (requested_by, index) WHERE status IN ('queued', 'running')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE calculations DROP COLUMN requested_by`.execute(db);
}
