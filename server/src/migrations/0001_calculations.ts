import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE calculations (
      index        bigint PRIMARY KEY CHECK (index >= 0),
      seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
      status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
      attempt      integer NOT NULL DEFAULT 1,
      runs         integer NOT NULL DEFAULT 0,
      digits       bigint,
      head         text,
      tail         text,
      duration_ms  double precision,
      error        text,
      created_at   timestamptz NOT NULL DEFAULT now(),
      started_at   timestamptz,
      completed_at timestamptz
    )`.execute(db);
  // Reconciliation looks for unfinished work; a partial index keeps that cheap however long the history.
  await sql`CREATE INDEX calculations_unfinished_idx ON calculations (seq) WHERE status IN ('queued', 'running')`.execute(db);
  await sql`
    CREATE TABLE calculation_values (
      index bigint PRIMARY KEY REFERENCES calculations (index) ON DELETE CASCADE,
      value text NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE submissions (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      index      bigint NOT NULL REFERENCES calculations (index) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX submissions_index_idx ON submissions (index)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE submissions, calculation_values, calculations`.execute(db);
}
