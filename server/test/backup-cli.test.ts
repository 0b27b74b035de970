/**
 * The backup commands as an operator meets them: what they print, and their exit codes. They run the
 * built code (`npm run build -w server` first).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackupService } from '../src/backup/create.js';
import type { BackupInfo } from '../src/backup/store.js';
import { parseConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { silentLogger } from './support/adapters.js';
import { openMigratedDatabase } from './support/services.js';

const cli = join(import.meta.dirname, '../dist/backup/cli.js');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command with `env` alone (and PATH), as an operator's shell would. */
async function command(env: Record<string, string>, ...args: string[]): Promise<Outcome> {
  return promisify(execFile)(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: Outcome) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fibstack-backup-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the backup commands on the embedded database', () => {
  it('refuses an unreadable archive without dying half-way: the live database stays, nothing is left beside it', { timeout: 60_000 }, async () => {
    const config = parseConfig({ DATA_DIR: join(dir, 'data'), BACKUP_DIR: join(dir, 'backups') });
    const env = { DATA_DIR: config.DATA_DIR, BACKUP_DIR: config.BACKUP_DIR };
    const db = await openDatabase(config);
    await migrateToLatest(db);
    const { name } = await createBackupService(config, silentLogger, db).create();
    await db.destroy();
    // Truncated, its manifest made to match: only the restore can tell.
    const archive = (await readFile(join(dir, 'backups', name))).subarray(0, 5_000);
    const manifest = JSON.parse(await readFile(join(dir, 'backups', `${name}.json`), 'utf8')) as BackupInfo;
    await writeFile(join(dir, 'backups', name), archive);
    await writeFile(join(dir, 'backups', `${name}.json`), JSON.stringify({ ...manifest, bytes: archive.length, sha256: createHash('sha256').update(archive).digest('hex') }));
    const contents = await readdir(join(dir, 'data'));

    expect(await command(env, 'restore', name)).toEqual({ code: 1, stdout: '', stderr: 'the backup is not a readable PGlite archive; nothing was restored\n' });
    expect(await readdir(join(dir, 'data'))).toEqual(contents);
    // The database is the one that was there, migrated, not a new one.
    expect(await command(env, 'backup')).toMatchObject({ code: 0 });
  });

  it('refuses to back up a DATA_DIR that holds no database, rather than creating one and backing that up', async () => {
    const missing = join(dir, 'mistyped');
    const outcome = await command({ DATA_DIR: missing, BACKUP_DIR: join(dir, 'backups') }, 'backup');
    expect(outcome).toEqual({
      code: 1,
      stdout: '',
      stderr: `there is no embedded database in ${missing}/pglite: check DATA_DIR (${missing}), or set DATABASE_URL for Postgres; nothing was backed up\n`,
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('restores into a DATA_DIR not made yet, saying where', { timeout: 60_000 }, async () => {
    const config = parseConfig({ DATA_DIR: join(dir, 'data'), BACKUP_DIR: join(dir, 'backups') });
    const db = await openDatabase(config);
    await migrateToLatest(db);
    const { name } = await createBackupService(config, silentLogger, db).create();
    await db.destroy();
    const elsewhere = join(dir, 'new-machine');
    expect(await command({ DATA_DIR: elsewhere, BACKUP_DIR: config.BACKUP_DIR }, 'restore', name)).toMatchObject({
      code: 0,
      stdout: `restored ${name} into ${elsewhere}/pglite\n`,
    });
  });
});

describe('the backup commands on Postgres', () => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  beforeEach(async () => {
    database = await openMigratedDatabase();
  });
  afterEach(async () => {
    await database.close();
  });

  it('says after a restore without REDIS_URL that a running server must be restarted', async () => {
    const config = parseConfig({ DATABASE_URL: database.url, BACKUP_DIR: dir });
    const { name } = await createBackupService(config, silentLogger).create();
    const outcome = await command({ DATABASE_URL: database.url, BACKUP_DIR: dir }, 'restore', name);
    expect(outcome).toMatchObject({ code: 0, stdout: `restored ${name}\n` });
    expect(outcome.stderr).toMatch(/^REDIS_URL is not set, so no cache was cleared: restart any server running on this database.+admin page's restore/);
  });

  it('reports a database that is not there in one line, without a stack', async () => {
    const url = new URL(database.url);
    url.pathname = '/fibstack_no_such_database';
    const outcome = await command({ DATABASE_URL: url.toString(), BACKUP_DIR: dir }, 'backup');
    expect(outcome).toEqual({ code: 1, stdout: '', stderr: 'database "fibstack_no_such_database" does not exist (3D000)\n' });
  });

  it('reports a backup folder it cannot read as such, not as no backups', async () => {
    await writeFile(join(dir, 'a-file'), 'not a folder');
    const outcome = await command({ DATABASE_URL: database.url, BACKUP_DIR: join(dir, 'a-file') }, 'list');
    expect(outcome).toEqual({ code: 1, stdout: '', stderr: `ENOTDIR: not a directory, scandir '${join(dir, 'a-file')}' (ENOTDIR)\n` });
  });
});

describe('the backup commands’ usage', () => {
  it('prints its usage when asked, and exits 0', async () => {
    for (const ask of ['--help', '-h', 'help']) {
      const outcome = await command({}, ask);
      expect(outcome, ask).toMatchObject({ code: 0, stderr: '' });
      for (const part of ['usage: cli.js', 'restore <name>', '--allow-unsigned', 'DATABASE_URL', 'DATA_DIR', 'BACKUP_DIR', 'BACKUP_S3_BUCKET']) {
        expect(outcome.stdout, ask).toContain(part);
      }
    }
  });

  it('answers a command line it does not understand with why, and the usage', async () => {
    const misuses: Array<[string[], string]> = [
      [[], 'no command given'],
      [['restore'], 'restore needs the name of a backup'],
      [['backup', '--force'], 'unknown option --force'],
      [['backup', '--allow-unsigned'], '--allow-unsigned is for restore alone'],
      [['backups'], 'unknown command "backups"'],
    ];
    for (const [args, why] of misuses) {
      const outcome = await command({}, ...args);
      expect(outcome, args.join(' ')).toMatchObject({ code: 1, stdout: '' });
      expect(outcome.stderr, args.join(' ')).toMatch(new RegExp(`^${why}.*\\n\\nusage: cli.js`));
      expect(outcome.stderr).not.toContain('Invalid configuration');
    }
  });
});
