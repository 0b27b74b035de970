import { sql, type Kysely } from 'kysely';

/**
 * The two hot writes as functions, each taking a batch: PL/pgSQL keeps a statement's plan for the
 * session, so a batch costs its execution alone, not a parse and plan of a many-part statement.
 *
 * `submit_calculations`: cheap submissions. For each request of `requests` (a JSON array of {index, client, request_id, digits, head, tail,
 * exact, duration_ms}), in order: records the calculation with its summary if it is new (done at once
 * when it is summary-only), queues a failed one again as a new attempt, and records the submission
 * unless its request id was recorded before. Existing calculations are read, not locked; new rows go
 * in index order, so concurrent batches take their locks in the same order. Returns each request's
 * calculation (null if another transaction created it while this one ran), whether this call wrote
 * it, and the submission it recorded.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION submit_calculations(requests jsonb)
    RETURNS TABLE (calculation calculations, request_position bigint, changed boolean, submission_id bigint, submission_created_at timestamptz)
    LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    BEGIN
      RETURN QUERY
      WITH input AS (
        SELECT * FROM ROWS FROM (
          jsonb_to_recordset(requests)
            AS (index bigint, client text, request_id text, digits bigint, head text, tail text, exact boolean, duration_ms double precision)
        ) WITH ORDINALITY AS t(index, client, request_id, digits, head, tail, exact, duration_ms, position)
      ), inserted AS (
        INSERT INTO calculations (index, requested_by, digits, head, tail, exact, status, duration_ms, completed_at)
        SELECT DISTINCT ON (index) index, client, digits, head, tail, exact,
               CASE WHEN exact THEN 'queued' ELSE 'done' END,
               CASE WHEN exact THEN NULL ELSE duration_ms END,
               CASE WHEN exact THEN NULL ELSE now() END
        FROM input ORDER BY index, position
        ON CONFLICT (index) DO NOTHING
        RETURNING *
      ), requeued AS (
        UPDATE calculations SET status = 'queued', attempt = attempt + 1, error = NULL, started_at = NULL, completed_at = NULL
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

  // `finish_calculations`: values computed before their claim (a JSON array of {index, attempt, bytes
  // (hex), decimal, duration_ms}). Each calculation is claimed, stored and completed only if that
  // attempt is still unfinished; returns those completed.
  await sql`
    CREATE FUNCTION finish_calculations(results jsonb) RETURNS SETOF calculations
    LANGUAGE plpgsql AS $$
    BEGIN
      RETURN QUERY
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(results)
          AS (index bigint, attempt integer, bytes text, decimal text, duration_ms double precision)
      ), done AS (
        UPDATE calculations
        SET status = 'done', runs = runs + 1, started_at = now(), completed_at = now(), duration_ms = input.duration_ms, error = NULL
        FROM input
        WHERE calculations.index = input.index AND calculations.attempt = input.attempt AND calculations.status IN ('queued', 'running')
        RETURNING calculations.*
      ), stored AS (
        INSERT INTO calculation_values (index, bytes, decimal)
        SELECT input.index, decode(input.bytes, 'hex'), input.decimal
        FROM input JOIN done ON done.index = input.index AND done.attempt = input.attempt
        ON CONFLICT (index) DO NOTHING
      )
      SELECT * FROM done;
    END
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION finish_calculations(jsonb)`.execute(db);
  await sql`DROP FUNCTION submit_calculations(jsonb)`.execute(db);
}
