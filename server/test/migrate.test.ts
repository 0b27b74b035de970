import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createTestDatabase, postgresUrl, type TestDatabase } from './support/services.js';

const migrateCli = fileURLToPath(new URL('../dist/migrate.js', import.meta.url));

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
      const { rows } = await sql<{ name: string }>`DELETE FROM kysely_migration WHERE name = '0009_finish_by_key' RETURNING name`.execute(db!);
      expect(rows).toHaveLength(1);
      await expect(migrateToLatest(db!)).rejects.toThrow('previously executed migration 9999_from_a_newer_release is missing');
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('0009_finish_by_key', now())`.execute(db!);
    } finally {
      await sql`DELETE FROM kysely_migration WHERE name = '9999_from_a_newer_release'`.execute(db!);
    }
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
