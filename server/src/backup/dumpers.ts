/**
 * How each kind of database is dumped and restored: pg_dump's custom format for Postgres, PGlite's own
 * data-directory archive for the embedded database.
 */
import { execFile, type ExecFileOptions } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { lockDataDir } from '../db/data-dir-lock.js';
import { embeddedDataDir, openDatabase, restoredDataDir, type Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { PGlitePool } from '../db/pglite-pool.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../lib/errors.js';
import { ifMissing } from '../lib/fs.js';
import type { BackupInfo } from './store.js';

const run = promisify(execFile);

/** The first key of the backup's advisory lock ("fibb"); the clients' locks use another. */
const BACKUP_LOCK = 0x66696262;
/** How long pg_dump waits for a table another transaction holds exclusively. */
const DUMP_LOCK_WAIT = '2min';

/** Another backup of the same database is being made. */
export class BackupInProgressError extends AppError {
  constructor() {
    super('CONFLICT', 'a backup is already being made; try again once it is written');
    this.name = 'BackupInProgressError';
  }
}

/** Runs pg_dump or pg_restore; where there is none (the server image has neither), says so plainly. */
async function runTool(tool: 'pg_dump' | 'pg_restore', args: string[], options: ExecFileOptions): Promise<void> {
  try {
    await run(tool, args, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new AppError(
      'CONFLICT',
      `${tool} is not installed where this process runs: in containers the deployment's backup service makes the backups (docs/deploy.md)`,
    );
  }
}

/**
 * What a tool said went wrong, for the operator: its last error line ("pg_restore: error: could not read
 * from input file: end of file"), or its last line. Lines before it say where (which table of contents
 * entry), and "Command was:" lines the SQL.
 */
function toolError(error: unknown): string {
  const lines = String((error as { stderr?: unknown }).stderr ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Command was:'));
  const last = lines.findLast((line) => /\berror:/.test(line)) ?? lines.at(-1);
  return last === undefined ? '' : `: ${last.replace(/^pg_restore: (error: )?/, '')}`;
}

export interface Dumper {
  readonly kind: BackupInfo['kind'];
  readonly extension: string;
  dump(file: string): Promise<void>;
  /**
   * Replaces the database's contents with the backup's, all or nothing, and brings them to this
   * release's schema. Answers the migrations that took.
   */
  restore(file: string): Promise<string[]>;
}

/**
 * A backup of an earlier release comes back with that release's schema, functions and migration rows,
 * and nothing else migrates it: the service runs on, and MIGRATE_ON_START is off where migrations are a
 * step of their own (compose). Its queries would fail on the old schema until someone migrated by hand.
 */
async function migrateRestored(db: Db): Promise<string[]> {
  try {
    return (await migrateToLatest(db)).applied;
  } finally {
    await db.destroy();
  }
}

/**
 * pg_dump and pg_restore of the Debian postgresql-client matching the server. The password travels in
 * the environment, never on a command line that `ps` shows.
 */
export class PostgresDumper implements Dumper {
  readonly kind = 'postgres';
  readonly extension = 'pgdump';
  private readonly dbname: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly databaseUrl: string) {
    const url = new URL(databaseUrl);
    this.env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
    url.password = '';
    this.dbname = url.toString();
  }

  /**
   * One dump at a time across every process: a scheduled one, the admin's and the CLI's would otherwise
   * pile up behind a table lock. The dump holds a session-level advisory lock on a connection of its own.
   */
  async dump(file: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('error', () => {});
    await client.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, 0) AS locked', [BACKUP_LOCK]);
      if (!rows[0]!.locked) throw new BackupInProgressError();
      // A table locked for longer (a migration) fails the dump, which is tried again later, rather than
      // holding it, and the lock above, for good.
      await runTool('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--lock-wait-timeout=${DUMP_LOCK_WAIT}`, `--dbname=${this.dbname}`, `--file=${file}`], {
        env: this.env,
      });
    } finally {
      await client.end().catch(() => {});
    }
  }

  async restore(file: string): Promise<string[]> {
    // Reading the archive's table of contents refuses a file that is not a pg_dump archive at all.
    await runTool('pg_restore', ['--list', file], { env: this.env }).catch((error: unknown) => {
      if (error instanceof AppError) throw error;
      throw new AppError('BACKUP_INVALID', 'the backup is not a readable pg_dump archive; nothing was restored');
    });
    // One transaction: a restore that fails part-way (a truncated archive) rolls back and leaves the
    // live database as it was.
    await runTool(
      'pg_restore',
      ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${this.dbname}`, file],
      { env: this.env, maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: unknown) => {
      if (error instanceof AppError) throw error;
      throw new AppError('BACKUP_INVALID', `pg_restore failed${toolError(error)}; the restore was rolled back and nothing changed`);
    });
    return migrateRestored(await openDatabase({ DATABASE_URL: this.databaseUrl, DATABASE_POOL_SIZE: 1, DATA_DIR: '' }));
  }
}

/** The embedded database: dumped in process while no transaction runs; restored with the process stopped. */
export class PGliteDumper implements Dumper {
  readonly kind = 'pglite';
  readonly extension = 'tar.gz';

  /** `pool`: the running database, for dumps; restores need only the data directory. */
  constructor(
    private readonly dataDir: string,
    private readonly pool?: PGlitePool,
  ) {}

  async dump(file: string): Promise<void> {
    if (!this.pool) throw new Error('the embedded database is not open in this process');
    const archive = await this.pool.exclusive((pglite) => pglite.dumpDataDir('gzip'));
    await writeFile(file, Buffer.from(await archive.arrayBuffer()));
  }

  async restore(file: string): Promise<string[]> {
    if (this.pool) {
      throw new AppError('CONFLICT', 'the embedded database is in use: stop the process, then run `npm run restore -- <name>`');
    }
    // Refused while a process has the database open: it would go on with the files it had.
    await mkdir(this.dataDir, { recursive: true });
    const unlock = await lockDataDir(this.dataDir, () => {});
    try {
      return await this.replace(file);
    } finally {
      await unlock();
    }
  }

  /**
   * The backup is loaded and migrated in a folder beside the live database, which is swapped in only
   * once that worked: a backup that fails to load, or a process killed while it loads, leaves the live
   * database where it was. Loaded whole, it is renamed `pglite.restored` before the swap, so that a
   * process killed between the swap's two renames leaves it to be swapped in at the next open
   * (openDatabase).
   */
  private async replace(file: string): Promise<string[]> {
    const live = embeddedDataDir(this.dataDir);
    const incoming = `${live}.restoring`;
    const restored = restoredDataDir(this.dataDir);
    // Those left by a restore that was killed before its swap.
    await Promise.all([incoming, restored].map((folder) => rm(folder, { recursive: true, force: true })));
    let applied: string[];
    try {
      applied = await migrateRestored(await this.load(file, incoming));
    } catch (error) {
      await rm(incoming, { recursive: true, force: true });
      throw error;
    }
    await rename(incoming, restored);
    const aside = `${live}.before-restore-${Date.now()}`;
    await rename(live, aside).catch(ifMissing(undefined));
    await rename(restored, live);
    await rm(aside, { recursive: true, force: true });
    return applied;
  }

  /** Opens the archive as a database in `folder`. */
  private async load(file: string, folder: string): Promise<Db> {
    const unreadable = () => new AppError('BACKUP_INVALID', 'the backup is not a readable PGlite archive; nothing was restored');
    // Unpacked here, where a damaged archive fails as an error: PGlite's own gunzip lets it escape, and
    // the process dies. PGlite takes the plain tar as it is.
    const archive = await promisify(gunzip)(await readFile(file)).catch(() => {
      throw unreadable();
    });
    const pglite = await PGlite.create(folder, { loadDataDir: new Blob([archive]) }).catch(() => {
      throw unreadable();
    });
    await pglite.query('SELECT 1').catch(async () => {
      await pglite.close().catch(() => {});
      throw unreadable();
    });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool: new PGlitePool(pglite) }) });
  }
}
