import { sql, type Kysely } from 'kysely';

/**
 * `finish_calculations` finds each value's calculation by its primary key, one at a time, and tells an
 * unfinished one by what it is not (`NOT IN ('done', 'failed')`), which no partial index answers.
 *
 * As 0007 wrote it, one join of the batch with the unfinished calculations, its plan depended on the
 * statistics of the moment the session made it. A session that made it while little was unfinished
 * kept a plan that reads every unfinished calculation through a partial index, at every batch: with a
 * backlog of 20,000, a batch of ten took 4.5–6.9 ms instead of about 1 ms, and the workers slowed down
 * when they were furthest behind. A lookup by primary key is the cheapest plan at any size and any age.
 * It costs about 0.1 ms more for a batch of ten than the join at its best.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION finish_calculations(results jsonb, packed bytea) RETURNS SETOF calculations
    LANGUAGE plpgsql AS $$
    DECLARE
      input record;
      done calculations;
    BEGIN
      FOR input IN
        SELECT * FROM jsonb_to_recordset(results)
          AS (index bigint, attempt integer, "offset" integer, length integer, decimal text, duration_ms double precision)
      LOOP
        UPDATE calculations
        SET status = 'done', runs = runs + 1, started_at = now(), completed_at = now(), duration_ms = input.duration_ms, error = NULL
        WHERE index = input.index AND attempt = input.attempt AND status NOT IN ('done', 'failed')
        RETURNING * INTO done;
        CONTINUE WHEN NOT FOUND;
        INSERT INTO calculation_values (index, bytes, decimal)
        VALUES (input.index, substring(packed FROM input."offset" + 1 FOR input.length), input.decimal)
        ON CONFLICT (index) DO NOTHING;
        RETURN NEXT done;
      END LOOP;
    END
    $$`.execute(db);
}

/** The function as 0007 made it. */
export async function down(db: Kysely<unknown>): Promise<void> {
  const { up: packedValues } = await import('./0007_packed_values.js');
  await sql`DROP FUNCTION finish_calculations(jsonb, bytea)`.execute(db);
  await packedValues(db);
}
