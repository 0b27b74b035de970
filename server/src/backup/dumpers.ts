/**
 * How each kind of database is dumped and restored: pg_dump's custom format for Postgres, PGlite's own
 * data-directory archive for the embedded database.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from '../db/data-dir-lock.js';
import { embeddedDataDir } from '../db/database.js';
import type { PGlitePool } from '../db/pglite-pool.js';
import { AppError } from '../lib/errors.js';
import type { BackupInfo } from './store.js';

const run = promisify(execFile);

export interface Dumper {
  readonly kind: BackupInfo['kind'];
  readonly extension: string;
  dump(file: string): Promise<void>;
  /** Replaces the database's contents with the backup's, all or nothing. */
  restore(file: string): Promise<void>;
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

  constructor(databaseUrl: string) {
    const url = new URL(databaseUrl);
    this.env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
    url.password = '';
    this.dbname = url.toString();
  }

  async dump(file: string): Promise<void> {
    await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--dbname=${this.dbname}`, `--file=${file}`], { env: this.env });
  }

  async restore(file: string): Promise<void> {
    // Reading the archive's table of contents refuses a file that is not a pg_dump archive at all.
    await run('pg_restore', ['--list', file]).catch(() => {
      throw new AppError('BACKUP_INVALID', 'the backup is not a readable pg_dump archive; nothing was restored');
    });
    // One transaction: a restore that fails part-way (a truncated archive) rolls back and leaves the
    // live database as it was.
    await run(
      'pg_restore',
      ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${this.dbname}`, file],
      { env: this.env, maxBuffer: 16 * 1024 * 1024 },
    ).catch(() => {
      throw new AppError('BACKUP_INVALID', 'pg_restore failed; the restore was rolled back and nothing changed');
    });
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

  async restore(file: string): Promise<void> {
    if (this.pool) {
      throw new AppError('CONFLICT', 'the embedded database is in use: stop the process, then run `npm run restore -- <name>`');
    }
    // Refused while a process has the database open: it would go on with the files it had.
    await mkdir(this.dataDir, { recursive: true });
    const unlock = await lockDataDir(this.dataDir, () => {});
    try {
      await this.replace(file);
    } finally {
      await unlock();
    }
  }

  private async replace(file: string): Promise<void> {
    const live = embeddedDataDir(this.dataDir);
    const aside = `${live}.before-restore-${Date.now()}`;
    await rename(live, aside).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    try {
      const pglite = await PGlite.create(live, { loadDataDir: new Blob([await readFile(file)]) });
      await pglite.query('SELECT 1');
      await pglite.close();
    } catch {
      // Put the live database back as it was.
      await rm(live, { recursive: true, force: true });
      await rename(aside, live).catch(() => {});
      throw new AppError('BACKUP_INVALID', 'the backup is not a readable PGlite archive; nothing was restored');
    }
    await rm(aside, { recursive: true, force: true });
  }
}
