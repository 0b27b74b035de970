import { sql, type Kysely } from 'kysely';

/**
 * `submit_calculations` queues again the failed calculations among those a batch names. It looks for
 * them through this index, which holds the failed ones alone: a handful, however long the history.
 *
 * Without it, the statement's plan is only as good as the statistics of the moment it was made, and a
 * session keeps the plan of its function. A process that starts on an empty or small table plans a
 * sequential scan of `calculations` and runs it at every batch while the table grows (measured: a scan
 * per statement, and POSTs at two thirds of the rate a fresh session reached on the same table). This
 * index is the cheapest path at any size, so every plan takes it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX calculations_failed_idx ON calculations (index) WHERE status = 'failed'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX calculations_failed_idx`.execute(db);
}
