import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

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
    const applied = await Promise.all(handles.map((db) => migrateToLatest(db)));
    const all = applied.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(0);
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(handles[0]!);
    expect(rows.map((row) => row.name)).toEqual([...all].sort());
    expect(await migrateToLatest(handles[0]!)).toEqual([]);
  });
});
