import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createTestDatabase, postgresUrl, type TestDatabase } from './support/services.js';

const migrateCli = fileURLToPath(new URL('../dist/migrate.js', import.meta.url));
const migrationsDir = new URL('../src/migrations/', import.meta.url);

/**
 * What each shipped migration holds (the start of its file's SHA-256). A database runs a migration once,
 * so a shipped one changed would leave the databases that ran it on its old form: a change is a new
 * migration. A new migration's line is added here when it ships.
 */
const shipped: Record<string, string> = {
  '0001_calculations': '81f96cf76a37b790',
  '0002_submission_request_id': '87e962c8145f81c1',
  '0003_calculation_requested_by': '9b0f2cfd48a19315',
  '0004_exact_values': '7ed5fc38fa1666d4',
  '0005_write_functions': '18ecd17ddb379dd5',
  '0006_calculation_batches': '2e19dce8ec99448b',
  '0007_packed_values': '6a8117f464335b6b',
  '0008_failed_calculations': '3fd49d51b217a341',
  '0009_finish_by_key': '3203bbcb3a2faab2',
  '0010_request_id_reuse': '357042e67b175b51',
  '0011_realign_schema': 'a7a652746fe30296',
};

describe('migrations', () => {
  let database: TestDatabase;
  const handles: Db[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 4; i++) handles.push(await openDatabase({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2, DATA_DIR: '/nonexistent' }));
  });
  afterAll(async () => {
    await Promise.all(handles.map((db) => db.destroy()));
    await database.drop();
  });

  it('apply once when several replicas start together', async () => {
    const outcomes = await Promise.all(handles.map((db) => migrateToLatest(db)));
    const all = outcomes.flatMap((outcome) => outcome.applied);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(0);
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(handles[0]!);
    expect(rows.map((row) => row.name)).toEqual([...all].sort());
    expect(await migrateToLatest(handles[0]!)).toEqual({ applied: [], newer: [] });
  });

  it('leave a database a newer release migrated further as it is, so that a rollback starts', async () => {
    const [db] = handles;
    await migrateToLatest(db!);
    await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('9999_from_a_newer_release', now())`.execute(db!);
    try {
      expect(await migrateToLatest(db!)).toEqual({ applied: [], newer: ['9999_from_a_newer_release'] });
      // Releases that diverged, each with a migration the other lacks, are refused.
      const { rows } = await sql<{ timestamp: string }>`DELETE FROM kysely_migration WHERE name = '0009_finish_by_key' RETURNING timestamp`.execute(db!);
      expect(rows).toHaveLength(1);
      await expect(migrateToLatest(db!)).rejects.toThrow('previously executed migration 9999_from_a_newer_release is missing');
      // Back in its place: the migrator reads the record in the order migrations ran.
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('0009_finish_by_key', ${rows[0]!.timestamp})`.execute(db!);
    } finally {
      await sql`DELETE FROM kysely_migration WHERE name = '9999_from_a_newer_release'`.execute(db!);
    }
  });

  it('are each as they shipped: a change is a new migration', async () => {
    const files = (await readdir(migrationsDir)).filter((file) => file.endsWith('.ts')).sort();
    const held = await Promise.all(
      files.map(async (file) => {
        const text = (await readFile(new URL(file, migrationsDir), 'utf8')).replace(/\r\n/g, '\n');
        return [file.replace(/\.ts$/, ''), createHash('sha256').update(text).digest('hex').slice(0, 16)] as const;
      }),
    );
    expect(Object.fromEntries(held)).toEqual(shipped);
  });

  it('bring a database that ran the first form of 0006 (batches numbered in a bigint) to the current schema', async () => {
    const db = handles[0]!;
    await migrateToLatest(db);
    // As 0006 first left a database, with a batch still unfinished, and 0011 not yet run.
    await sql`DELETE FROM kysely_migration WHERE name = '0011_realign_schema'`.execute(db);
    await sql`ALTER TABLE calculations ALTER COLUMN batch TYPE bigint USING NULL`.execute(db);
    await sql`CREATE SEQUENCE calculation_batches`.execute(db);
    await sql`INSERT INTO calculations (index, status, batch) VALUES (7, 'queued', nextval('calculation_batches')), (8, 'queued', nextval('calculation_batches'))`.execute(db);
    await expect(sql`SELECT * FROM submit_calculations('[{"index": 9, "client": "c", "request_id": "r-9", "digits": 2, "head": "34", "tail": "34", "exact": true, "duration_ms": 0}]'::jsonb)`.execute(db)).rejects.toThrow(/bigint/);

    expect(await migrateToLatest(db)).toEqual({ applied: ['0011_realign_schema'], newer: [] });
    const { rows: column } = await sql<{ type: string }>`SELECT data_type AS type FROM information_schema.columns WHERE table_name = 'calculations' AND column_name = 'batch'`.execute(db);
    expect(column).toEqual([{ type: 'uuid' }]);
    const { rows: sequences } = await sql`SELECT FROM pg_class WHERE relname = 'calculation_batches'`.execute(db);
    expect(sequences).toHaveLength(0);
    // Each old batch keeps a batch of its own, for reconciliation to send again.
    const { rows: old } = await sql<{ batch: string }>`SELECT batch FROM calculations WHERE index IN (7, 8) ORDER BY index`.execute(db);
    expect(new Set(old.map((row) => row.batch)).size).toBe(2);
    const { rows: submitted } = await sql<{ changed: boolean }>`SELECT changed FROM submit_calculations('[{"index": 9, "client": "c", "request_id": "r-9", "digits": 2, "head": "34", "tail": "34", "exact": true, "duration_ms": 0}]'::jsonb)`.execute(db);
    expect(submitted).toEqual([{ changed: true }]);
  });

  it('say in a line why they were not applied, when Postgres refuses (node server/dist/migrate.js)', async () => {
    const missing = new URL(postgresUrl);
    missing.pathname = '/fibstack_no_such_database';
    const failure = await promisify(execFile)(process.execPath, [migrateCli], { env: { PATH: process.env.PATH, DATABASE_URL: missing.href } }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1, stderr: 'migrations not applied: database "fibstack_no_such_database" does not exist (3D000)\n' });
  });
});
