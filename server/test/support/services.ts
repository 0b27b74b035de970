/**
 * Real Postgres and Redis for integration tests, isolated per test: each gets a database of its own and a
 * Redis key prefix of its own. TEST_POSTGRES_URL / TEST_REDIS_URL point elsewhere than the machine's.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export const postgresUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A new, empty database on the test Postgres server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `fibstack_test_${randomUUID().replaceAll('-', '')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A migrated database and its Kysely handle; `close` drops it. */
export async function openMigratedDatabase(): Promise<{ db: Db; url: string; close(): Promise<void> }> {
  const database = await createTestDatabase();
  const db = await openDatabase({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 4, DATA_DIR: '/nonexistent' });
  await migrateToLatest(db);
  return {
    db,
    url: database.url,
    async close() {
      await db.destroy();
      await database.drop();
    },
  };
}

/** Runs `work` on a connection to the test server's `postgres` database. */
export async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A unique Redis key prefix, and a function that deletes every key under it. */
export function redisNamespace(): { prefix: string; clean(): Promise<void> } {
  const prefix = `test-${randomUUID()}`;
  return {
    prefix,
    async clean() {
      const redis = new Redis(redisUrl);
      try {
        for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 })) {
          if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
        }
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
