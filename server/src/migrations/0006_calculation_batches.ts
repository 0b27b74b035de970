import { sql, type Kysely } from 'kysely';

/**
 * Cheap calculations are computed in batches: the calculations one call of `submit_calculations` queues
 * share a batch id, and one job (`fibs-<batch>`) computes them all. The id is kept on each calculation,
 * so that reconciliation can send a lost batch again under the same job id, and a batch whose job still
 * exists is never queued twice. `NULL`: a calculation with a job of its own.
 *
 * A random UUID, not a sequence: a restored backup would rewind a sequence, and new batches would then
 * take the ids of jobs Redis still keeps as finished, and never run.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE calculations ADD COLUMN batch uuid`.execute(db);
  // Reconciliation reads the unfinished members of a batch; finished rows leave this index.
  await sql`CREATE INDEX calculations_unfinished_batch_idx ON calculations (batch) WHERE status IN ('queued', 'running')`.execute(db);

  await createSubmitCalculations(db);
}

/** As in 0005, and every calculation this call queues (new, or failed before) joins one new batch. */
export async function createSubmitCalculations(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION submit_calculations(requests jsonb)
    RETURNS TABLE (calculation calculations, request_position bigint, changed boolean, submission_id bigint, submission_created_at timestamptz)
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
      ), inserted AS (
        INSERT INTO calculations (index, requested_by, digits, head, tail, exact, status, duration_ms, completed_at, batch)
        SELECT DISTINCT ON (index) index, client, digits, head, tail, exact,
               CASE WHEN exact THEN 'queued' ELSE 'done' END,
               CASE WHEN exact THEN NULL ELSE duration_ms END,
               CASE WHEN exact THEN NULL ELSE now() END,
               CASE WHEN exact THEN this_batch END
        FROM input ORDER BY index, position
        ON CONFLICT (index) DO NOTHING
        RETURNING *
      ), requeued AS (
        UPDATE calculations SET status = 'queued', attempt = attempt + 1, error = NULL, started_at = NULL, completed_at = NULL, batch = this_batch
        WHERE index = ANY (ARRAY(SELECT index FROM input)) AND status = 'failed'
        RETURNING *
      ), written AS (
        SELECT * FROM inserted UNION ALL SELECT * FROM requeued
      ), submitted AS (
        INSERT INTO submissions (index, request_id)
        SELECT index, request_id FROM input ORDER BY position
        ON CONFLICT (request_id) DO NOTHING
        RETURNING id, request_id, created_at
      )
      SELECT found.row, input.position, found.changed, submitted.id, submitted.created_at
      FROM input
      LEFT JOIN LATERAL (
        SELECT ROW(written.*)::calculations AS row, true AS changed FROM written WHERE written.index = input.index
        UNION ALL
        SELECT calculations, false FROM calculations
        WHERE calculations.index = input.index AND NOT EXISTS (SELECT FROM written WHERE written.index = input.index)
      ) AS found ON true
      LEFT JOIN submitted ON submitted.request_id = input.request_id
      ORDER BY input.position;
    END
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The function as 0005 made it: without batches.
  const { up: writeFunctions } = await import('./0005_write_functions.js');
  await sql`DROP FUNCTION submit_calculations(jsonb)`.execute(db);
  await sql`DROP FUNCTION finish_calculations(jsonb)`.execute(db);
  await sql`ALTER TABLE calculations DROP COLUMN batch`.execute(db);
  await writeFunctions(db);
}
