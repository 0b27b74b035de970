import { sql, type Kysely } from 'kysely';

/**
 * Brings every database to the schema the migrations before it make today. A migration runs once, and
 * two of them changed after databases had run them:
 * - 0006 first numbered batches from a sequence into a `bigint` column; it now makes a `uuid` column
 *   (a restored backup would rewind a sequence onto the ids of finished jobs). On such a database the
 *   current `submit_calculations` writes a uuid into the bigint column, and every cheap submission fails.
 *   The column becomes a uuid, each old batch number mapped to one of its own, and the sequence goes.
 *   An unfinished batch's old job may still run under its old id: its calculations are finished by index
 *   and attempt, so at worst one is computed twice and recorded once. The change rewrites the table under
 *   its lock, so submissions wait for it: seconds per million calculations, once.
 * - 0010's `submit_calculations` was rewritten twice (at first it read the whole submissions table at
 *   each call, then it missed a request id another transaction recorded meanwhile). It is made again as
 *   0010 makes it now, with the same result columns.
 * On a database that ran the current forms, this changes nothing. A test holds each shipped migration
 * to its content (server/test/migrate.test.ts): a change is a new migration, as this one is.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ type: string }>`
    SELECT data_type AS type FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = 'calculations' AND column_name = 'batch'`.execute(db);
  if (rows[0]?.type === 'bigint') {
    await sql`ALTER TABLE calculations ALTER COLUMN batch TYPE uuid USING md5('fibstack-batch-' || batch::text)::uuid`.execute(db);
  }
  await sql`DROP SEQUENCE IF EXISTS calculation_batches`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION submit_calculations(requests jsonb)
    RETURNS TABLE (
      calculation calculations, request_position bigint, changed boolean,
      submission_id bigint, submission_created_at timestamptz, reused_for bigint
    )
    LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
      this_batch uuid := gen_random_uuid();
    BEGIN
      RETURN QUERY
      WITH input AS (
        SELECT * FROM ROWS FROM (
          jsonb_to_recordset(requests)
            AS (index bigint, client text, request_id text, digits bigint, head text, tail text, exact boolean, duration_ms double precision)
        ) WITH ORDINALITY AS t(index, client, request_id, digits, head, tail, exact, duration_ms, position)
      ), firsts AS (
        -- Each request id once: as the first of the batch to bring it.
        SELECT DISTINCT ON (request_id) index, request_id, position FROM input ORDER BY request_id, position
      ), submitted AS (
        -- What each request id belongs to, known without reading the table: the submission inserted, or
        -- the one recorded before (by another transaction too, once it has committed), which the no-op
        -- update returns. xmax is 0 only in a row this statement inserted.
        INSERT INTO submissions (index, request_id)
        SELECT index, request_id FROM firsts ORDER BY position
        ON CONFLICT (request_id) DO UPDATE SET request_id = EXCLUDED.request_id
        RETURNING id, index, request_id, created_at, xmax = 0 AS inserted
      ), accepted AS (
        SELECT input.* FROM input JOIN submitted ON submitted.request_id = input.request_id AND submitted.index = input.index
      ), inserted AS (
        INSERT INTO calculations (index, requested_by, digits, head, tail, exact, status, duration_ms, completed_at, batch)
        SELECT DISTINCT ON (index) index, client, digits, head, tail, exact,
               CASE WHEN exact THEN 'queued' ELSE 'done' END,
               CASE WHEN exact THEN NULL ELSE duration_ms END,
               CASE WHEN exact THEN NULL ELSE now() END,
               CASE WHEN exact THEN this_batch END
        FROM accepted ORDER BY index, position
        ON CONFLICT (index) DO NOTHING
        RETURNING *
      ), requeued AS (
        UPDATE calculations SET status = 'queued', attempt = attempt + 1, error = NULL, started_at = NULL, completed_at = NULL, batch = this_batch
        WHERE index = ANY (ARRAY(SELECT index FROM accepted)) AND status = 'failed'
        RETURNING *
      ), written AS (
        SELECT * FROM inserted UNION ALL SELECT * FROM requeued
      )
      -- A refused submission is answered with the calculation its request id belongs to: what this
      -- release ignores, and what a release before it (a rollback) reads without failing.
      SELECT found.row, input.position, found.changed,
             CASE WHEN submitted.inserted AND submitted.index = input.index THEN submitted.id END,
             CASE WHEN submitted.inserted AND submitted.index = input.index THEN submitted.created_at END,
             CASE WHEN submitted.index <> input.index THEN submitted.index END
      FROM input
      JOIN submitted ON submitted.request_id = input.request_id
      LEFT JOIN LATERAL (
        SELECT ROW(written.*)::calculations AS row, true AS changed FROM written WHERE written.index = submitted.index
        UNION ALL
        SELECT calculations, false FROM calculations
        WHERE calculations.index = submitted.index AND NOT EXISTS (SELECT FROM written WHERE written.index = submitted.index)
      ) AS found ON true
      ORDER BY input.position;
    END
    $$`.execute(db);
}

/** Nothing to undo: the schema is the one 0010 makes. */
export async function down(): Promise<void> {}
