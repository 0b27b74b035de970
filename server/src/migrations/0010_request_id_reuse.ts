import { sql, type Kysely } from 'kysely';

/**
 * A request id names one request. `submit_calculations` now refuses a submission whose request id was
 * recorded before (by another transaction too, one that committed while this one waited), or came
 * earlier in the same batch, with another index: it records nothing for it (no calculation, no
 * submission) and answers, in `reused_for`, the index the id belongs to, so the API can answer 409.
 * Before, such a submission had its index calculated but no submission recorded.
 *
 * The function's columns are those of 0006 and one more, and a refused submission comes with the
 * calculation its id belongs to, so a release before this one (a rollback) still reads what it names.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // A function's result columns cannot change in place.
  await sql`DROP FUNCTION submit_calculations(jsonb)`.execute(db);
  await sql`
    CREATE FUNCTION submit_calculations(requests jsonb)
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

export async function down(db: Kysely<unknown>): Promise<void> {
  const { createSubmitCalculations } = await import('./0006_calculation_batches.js');
  await sql`DROP FUNCTION submit_calculations(jsonb)`.execute(db);
  await createSubmitCalculations(db);
}
