import { mkdir, rename } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { lockDataDir } from './data-dir-lock.js';
import { PGlitePool } from './pglite-pool.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

const INT8 = 20;

/**
 * Opens the database this process uses: Postgres when DATABASE_URL is set, otherwise the embedded PGlite
 * in DATA_DIR. Both speak the same SQL and run the same migrations.
 */
export async function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'DATA_DIR'>, logger?: Logger): Promise<Db> {
  if (config.DATABASE_URL) {
    const pool = new pg.Pool({
      connectionString: config.DATABASE_URL,
      max: config.DATABASE_POOL_SIZE,
      connectionTimeoutMillis: 3_000,
      idleTimeoutMillis: 30_000,
      // Indexes and ids stay below 2^53: numbers, not strings.
      types: { getTypeParser: (oid, format) => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format)) },
    });
    // A client losing its server (a Postgres restart) must not crash the process: the query in progress
    // fails with the error, and the pool replaces the client. Idle clients report through the pool,
    // checked-out ones through themselves.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  await mkdir(config.DATA_DIR, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    // A file in its place, or no right to make it: told as the setting it is, not with a stack.
    throw new ConfigError([`DATA_DIR: cannot make the folder ${config.DATA_DIR} (${error.code ?? 'error'})`]);
  });
  // One process at a time (see lockDataDir). Losing the lock means its folder was tampered with.
  const unlock = await lockDataDir(config.DATA_DIR, (error) => logger?.error({ err: error }, 'the lock of the embedded database was lost'));
  await finishRestore(config.DATA_DIR).catch(async (error: unknown) => {
    await unlock();
    throw error;
  });
  const pglite = await PGlite.create(embeddedDataDir(config.DATA_DIR), { parsers: { [INT8]: Number } }).catch(async (error: unknown) => {
    await unlock();
    throw error;
  });
  const pool = new PGlitePool(pglite, unlock);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  embedded.set(db, pool);
  return db;
}

/** Where PGlite keeps its files inside DATA_DIR. */
export function embeddedDataDir(dataDir: string): string {
  return `${dataDir}/pglite`;
}

/** Where a restore leaves the database it loaded and migrated, whole, for the swap (backup/dumpers.ts). */
export function restoredDataDir(dataDir: string): string {
  return `${embeddedDataDir(dataDir)}.restored`;
}

/**
 * A restore swaps its database in by two renames: the live one aside, the restored one in. A process
 * killed between them leaves no database, and the restored one whole beside it: the swap is finished
 * here, before an empty database could be made in its place. Beside a live database, it is left alone.
 */
async function finishRestore(dataDir: string): Promise<void> {
  await rename(restoredDataDir(dataDir), embeddedDataDir(dataDir)).catch((error: NodeJS.ErrnoException) => {
    // None waiting, or the live database there (a restore killed before its swap began).
    if (error.code !== 'ENOENT' && error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
  });
}

const embedded = new WeakMap<Db, PGlitePool>();

/** The embedded database behind `db`, for what needs PGlite itself (a consistent dump); undefined on Postgres. */
export function embeddedPool(db: Db): PGlitePool | undefined {
  return embedded.get(db);
}

export async function pingDatabase(db: Db): Promise<void> {
  await sql`SELECT 1`.execute(db);
}
