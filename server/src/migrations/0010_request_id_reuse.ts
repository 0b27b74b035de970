import { sql, type Kysely } from 'kysely';

/**
 * A request id names one request. `submit_calculations` now refuses a submission whose request id was
 * recorded before, or came earlier in the same batch, with another index: it records nothing for it
 * (no calculation, no submission) and answers, in `reused_for`, the index the id belongs to, so the API
 * can answer 409. Before, such a submission had its index calculated but no submission recorded.
 *
 * The function's columns are those of 0006 and one more, so a release before this one (a rollback)
 * still reads what it names.
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
      ), submitted AS (
        -- First, so that what a request id belongs to is known without reading the table: the first
        -- of the batch to bring it, unless it was recorded before.
        INSERT INTO submissions (index, request_id)
        SELECT index, request_id FROM input ORDER BY position
        ON CONFLICT (request_id) DO NOTHING
        RETURNING id, index, request_id, created_at
      ), owner AS (
        -- The index each submission's request id belongs to. Only an id recorded before (a retry, or a
        -- reuse) is looked up, by its unique index; one another transaction is recording meanwhile is
        -- not seen, and counts as this submission's.
        SELECT input.position, coalesce(
          submitted.index,
          (SELECT recorded.index FROM submissions AS recorded WHERE recorded.request_id = input.request_id),
          input.index
        ) AS index
        FROM input LEFT JOIN submitted ON submitted.request_id = input.request_id
      ), accepted AS (
        SELECT input.* FROM input JOIN owner ON owner.position = input.position AND owner.index = input.index
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
      SELECT found.row, input.position, found.changed, submitted.id, submitted.created_at,
             CASE WHEN owner.index <> input.index THEN owner.index END
      FROM input
      JOIN owner ON owner.position = input.position
      LEFT JOIN LATERAL (
        SELECT ROW(written.*)::calculations AS row, true AS changed FROM written WHERE written.index = input.index
        UNION ALL
        SELECT calculations, false FROM calculations
        WHERE calculations.index = input.index AND NOT EXISTS (SELECT FROM written WHERE written.index = input.index)
      ) AS found ON true
      LEFT JOIN submitted ON submitted.request_id = input.request_id AND submitted.index = input.index
      ORDER BY input.position;
    END
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const { createSubmitCalculations } = await import('./0006_calculation_batches.js');
  await sql`DROP FUNCTION submit_calculations(jsonb)`.execute(db);
  await createSubmitCalculations(db);
}
