import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql, type Migration } from 'kysely';
import pg from 'pg';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import S3rver from 's3rver';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBackupService } from '../src/backup/create.js';
import { DirectoryStore } from '../src/backup/directory.store.js';
import { RetryLaterError, runJob } from '../src/jobs/run-job.js';
import { JobName, type JobHandlers } from '../src/jobs/types.js';
import type { BackupInfo } from '../src/backup/store.js';
import { parseConfig, type Config } from '../src/config.js';
import { openDatabase, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import { SubmissionRepository } from '../src/repositories/submission.repository.js';
import { silentLogger } from './support/adapters.js';
import { createTestDatabase, openMigratedDatabase } from './support/services.js';
import { result, summary } from './support/records.js';

/** Calculations as the service leaves them: requested, some done with values, each with a submission. */
async function record(db: Db, indexes: number[]): Promise<void> {
  const calculations = new CalculationRepository(db);
  const submissions = new SubmissionRepository(db);
  for (const index of indexes) {
    await calculations.request(index, 'test', summary(index));
    await submissions.add(index, `request-${index}`);
    if (index % 2 === 0) {
      await calculations.start(index, 1);
      await calculations.complete(index, result(BigInt(index) * 1_000_003n));
    }
  }
}

/** Every row of every table, in a stable order. */
async function snapshot(db: Db): Promise<unknown[]> {
  return Promise.all([
    db.selectFrom('calculations').selectAll().orderBy('index').execute(),
    db.selectFrom('calculation_values').selectAll().orderBy('index').execute(),
    db.selectFrom('submissions').selectAll().orderBy('id').execute(),
  ]);
}

/** The schema an earlier release left: every migration up to `last`, none after. */
async function migrateTo(db: Db, last: string): Promise<void> {
  const names = (await readdir(join(import.meta.dirname, '../src/migrations'))).map((file) => file.replace(/\.ts$/, '')).filter((name) => name <= last);
  const migrations = Object.fromEntries(await Promise.all(names.map(async (name) => [name, (await import(`../src/migrations/${name}.ts`)) as Migration])));
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateToLatest();
  if (error) throw error;
}

/** A submission as POST /api/calculations records it: the statement that needs the latest schema. */
async function submit(db: Db, index: number): Promise<void> {
  const [outcome] = await new CalculationRepository(db).submitMany([{ index, client: 'test', requestId: `request-${index}`, summary: summary(index) }]);
  expect(outcome).toMatchObject({ calculation: { index } });
}

const migrationNames = async (db: Db) => (await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db)).rows.map((row) => row.name);

/** Makes `name`'s file `content`, its manifest's size and checksum made to match: only the restore can tell. */
async function rewriteBackup(dir: string, name: string, content: Buffer): Promise<void> {
  await writeFile(join(dir, name), content);
  const manifest = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as BackupInfo;
  manifest.bytes = content.length;
  manifest.sha256 = createHash('sha256').update(content).digest('hex');
  await writeFile(join(dir, `${name}.json`), JSON.stringify(manifest));
}

const settings = (extra: Record<string, string>): Config => parseConfig({ BACKUP_KEEP: '2', ...extra });

const SIGNING_KEY = 'a-signing-key-of-more-than-32-characters';
const signedWith = (config: Config, key = SIGNING_KEY): Config => ({ ...config, BACKUP_SIGNING_KEY: key });

/**
 * Expects a restore of `name` with `config` refused as BACKUP_INVALID with `message`, leaving the
 * database as it was and running nothing of what follows a restore.
 */
async function expectRefused(db: Db, config: Config, name: string, message: RegExp, options?: { allowUnsigned: boolean }): Promise<void> {
  const before = await snapshot(db);
  let renewed = false;
  const backups = createBackupService(config, silentLogger, undefined, async () => void (renewed = true));
  await expect(backups.restore(name, options)).rejects.toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringMatching(message) });
  expect(await snapshot(db)).toEqual(before);
  expect(renewed).toBe(false);
}

describe('backups of Postgres to a directory', () => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let dir: string;
  let config: Config;

  beforeEach(async () => {
    database = await openMigratedDatabase();
    dir = await mkdtemp(join(tmpdir(), 'fibstack-backups-'));
    config = settings({ DATABASE_URL: database.url, BACKUP_DIR: dir });
    await record(database.db, [1, 2, 3, 4, 10, 20, 77]);
  });
  afterEach(async () => {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes one backup at a time: one asked for while another is being made is refused', async () => {
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      // The lock a backup being made holds.
      await other.query('SELECT pg_advisory_lock($1, 0)', [0x66696262]);
      const backups = createBackupService(config, silentLogger);
      await expect(backups.create()).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('already being made') });
      await other.query('SELECT pg_advisory_unlock_all()');
      await backups.create();
      expect(await backups.list()).toHaveLength(1);
    } finally {
      await other.end();
    }
  });

  it('says so plainly where pg_dump and pg_restore are not installed', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const backups = createBackupService(config, silentLogger);
      await expect(backups.create()).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/^pg_dump is not installed/) });
    } finally {
      process.env.PATH = path;
    }
  });

  it('brings every row back after the tables are wiped', async () => {
    const backups = createBackupService(config, silentLogger);
    const before = await snapshot(database.db);
    const { name } = await backups.create();
    await sql`DROP TABLE calculations, calculation_values, submissions CASCADE`.execute(database.db);
    await backups.restore(name);
    expect(await snapshot(database.db)).toEqual(before);
    expect((before[0] as unknown[]).length).toBe(7);
  });

  it('writes backups only the service’s user can read, in a folder of its own', async () => {
    const folder = join(dir, 'made-by-the-service');
    const backups = createBackupService({ ...config, BACKUP_DIR: folder }, silentLogger);
    const { name } = await backups.create();
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    for (const file of [name, `${name}.json`]) expect((await stat(join(folder, file))).mode & 0o777, file).toBe(0o600);
  });

  it('keeps the newest BACKUP_KEEP backups, each listed only with its manifest', async () => {
    const backups = createBackupService(config, silentLogger);
    const made = [await backups.create(), await backups.create(), await backups.create()];
    const listed = await backups.list();
    expect(listed.map((backup) => backup.name)).toEqual([made[2]!.name, made[1]!.name]);
    await writeFile(join(dir, '.fibstack-9999.pgdump.partial'), 'half');
    expect(await backups.list()).toHaveLength(2);
    // Another process (a new one, here) reads the newest from the store.
    expect(await createBackupService(config, silentLogger).newest()).toEqual(new Date(made[2]!.createdAt));
  });

  it('renews the restored work after a restore that succeeded, and only then', async () => {
    let restoredRows = -1;
    const afterRestore = async () => void (restoredRows = (await database.db.selectFrom('calculations').selectAll().execute()).length);
    const backups = createBackupService(config, silentLogger, undefined, afterRestore);
    const first = await backups.create();
    await record(database.db, [500]);
    await backups.restore(first.name);
    expect(restoredRows).toBe(7); // run on the restored rows, without F(500)
    restoredRows = -1;
    const second = await backups.create();
    await truncate(join(dir, second.name), Math.floor(second.bytes / 2));
    await expect(backups.restore(second.name)).rejects.toMatchObject({ code: 'BACKUP_INVALID' });
    expect(restoredRows).toBe(-1);
  });

  it('refuses a truncated backup before touching the database', async () => {
    const backups = createBackupService(config, silentLogger);
    const { name, bytes } = await backups.create();
    await record(database.db, [500]);
    const before = await snapshot(database.db);
    await truncate(join(dir, name), Math.floor(bytes / 2));
    await expect(backups.restore(name)).rejects.toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringMatching(/damaged/) });
    expect(await snapshot(database.db)).toEqual(before);
  });

  it('refuses a backup whose file is gone, its manifest left, before touching the database', async () => {
    const backups = createBackupService(config, silentLogger);
    const { name } = await backups.create();
    const before = await snapshot(database.db);
    await rm(join(dir, name));
    await expect(backups.restore(name)).rejects.toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringMatching(/damaged \(0 of/) });
    expect(await snapshot(database.db)).toEqual(before);
  });

  it('rolls back a restore that fails part-way, and refuses what is not an archive', async () => {
    const backups = createBackupService(config, silentLogger);
    const { name, bytes } = await backups.create();
    const before = await snapshot(database.db);
    // A damaged archive whose manifest agrees with it: only pg_restore can tell.
    const rewrite = (content: Buffer) => rewriteBackup(dir, name, content);
    const archive = await readFile(join(dir, name));
    await rewrite(archive.subarray(0, bytes - 16));
    // What pg_restore said, not only that it failed.
    await expect(backups.restore(name)).rejects.toMatchObject({
      code: 'BACKUP_INVALID',
      message: 'pg_restore failed: could not read from input file: end of file; the restore was rolled back and nothing changed',
    });
    expect(await snapshot(database.db)).toEqual(before);
    await rewrite(Buffer.from('not a pg_dump archive at all'));
    await expect(backups.restore(name)).rejects.toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringMatching(/not a readable/) });
    expect(await snapshot(database.db)).toEqual(before);
  });

  it('brings a backup of an earlier release to the latest schema as it restores it', async () => {
    const earlier = await createTestDatabase();
    const earlierDb = await openDatabase({ DATABASE_URL: earlier.url, DATABASE_POOL_SIZE: 2, DATA_DIR: '/nonexistent' });
    try {
      await migrateTo(earlierDb, '0009_finish_by_key');
      const { name } = await createBackupService({ ...config, DATABASE_URL: earlier.url }, silentLogger).create();
      let migrated: string[] = [];
      // What follows a restore (renewing the restored work) already runs on the latest schema.
      const afterRestore = async () => void (migrated = await migrationNames(database.db));
      await createBackupService(config, silentLogger, undefined, afterRestore).restore(name);
      expect(migrated).toContain('0010_request_id_reuse');
      await submit(database.db, 42);
    } finally {
      await earlierDb.destroy();
      await earlier.drop();
    }
  });

  it('reports a backup folder it cannot read, rather than no backups', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const backups = createBackupService({ ...config, BACKUP_DIR: file }, silentLogger);
    await expect(backups.list()).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(backups.restore('fibstack-2020-01-01T00-00-00-000Z.pgdump')).rejects.toMatchObject({ code: 'ENOTDIR' });
    // A folder not made yet holds no backups.
    expect(await createBackupService({ ...config, BACKUP_DIR: join(dir, 'not-yet') }, silentLogger).list()).toEqual([]);
  });

  it('leaves nothing behind of a backup it failed to store', async () => {
    const file = join(dir, 'backup-file');
    await writeFile(file, 'the dump');
    const info: BackupInfo = { name: 'fibstack-2020-01-01T00-00-00-000Z.pgdump', kind: 'postgres', bytes: 8, sha256: '0'.repeat(64), createdAt: '2020-01-01T00:00:00.000Z' };
    const folder = join(dir, 'store');
    const store = new DirectoryStore(folder);
    // Where the file, then its manifest, is renamed to stands a folder that is not empty: the rename fails,
    // as a write does on a full disk.
    for (const blocked of [info.name, `${info.name}.json`]) {
      await rm(folder, { recursive: true, force: true });
      await mkdir(join(folder, blocked, 'in-the-way'), { recursive: true });
      await expect(store.put(file, info)).rejects.toThrow();
      expect(await readdir(folder), blocked).toEqual([blocked]);
    }
  });

  it('answers an unknown or malformed name with NOT_FOUND', async () => {
    const backups = createBackupService(config, silentLogger);
    await expect(backups.restore('fibstack-2020-01-01T00-00-00-000Z.pgdump')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(backups.restore('../../etc/passwd')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  describe('signed with BACKUP_SIGNING_KEY', () => {
    const manifestPath = (name: string) => join(dir, `${name}.json`);
    const readManifest = async (name: string) => JSON.parse(await readFile(manifestPath(name), 'utf8')) as BackupInfo;
    // Every test adds F(500) after its backup: a restore that went ahead would take it away.
    const later = () => record(database.db, [500]);

    it('signs each backup’s manifest, and restores a signed backup', async () => {
      const backups = createBackupService(signedWith(config), silentLogger);
      const before = await snapshot(database.db);
      const { name, signature } = await backups.create();
      expect(signature).toMatch(/^[0-9a-f]{64}$/);
      expect((await readManifest(name)).signature).toBe(signature);
      await later();
      await backups.restore(name);
      expect(await snapshot(database.db)).toEqual(before);
    });

    it('refuses a backup whose manifest or file was altered after signing', async () => {
      const { name } = await createBackupService(signedWith(config), silentLogger).create();
      const manifest = await readManifest(name);
      // Another archive that would restore well: the record of a moment later, made without the key.
      await later();
      const other = await createBackupService(config, silentLogger).create();
      await record(database.db, [501]);

      // A field of the manifest changed.
      await writeFile(manifestPath(name), JSON.stringify({ ...manifest, createdAt: '2099-01-01T00:00:00.000Z' }));
      await expectRefused(database.db, signedWith(config), name, /^the signature of .+ does not match: the backup was altered/);
      // The file swapped, and the manifest's size and checksum made to match it.
      await copyFile(join(dir, other.name), join(dir, name));
      await writeFile(manifestPath(name), JSON.stringify({ ...manifest, bytes: other.bytes, sha256: other.sha256 }));
      await expectRefused(database.db, signedWith(config), name, /does not match/);
      // --allow-unsigned lets a missing signature pass, never a wrong one.
      await expectRefused(database.db, signedWith(config), name, /does not match/, { allowUnsigned: true });
      // The file swapped under its signed manifest: its checksum, which the signature covers, tells.
      await writeFile(manifestPath(name), JSON.stringify(manifest));
      await expectRefused(database.db, signedWith(config), name, /damaged/);
    });

    it('refuses a signed backup copied under another name', async () => {
      const { name } = await createBackupService(signedWith(config), silentLogger).create();
      await later();
      const copy = 'fibstack-2099-01-01T00-00-00-000Z.pgdump';
      await copyFile(join(dir, name), join(dir, copy));
      await copyFile(manifestPath(name), manifestPath(copy));
      await expectRefused(database.db, signedWith(config), copy, /is that of another backup/);
      await writeFile(manifestPath(copy), JSON.stringify({ ...(await readManifest(name)), name: copy }));
      await expectRefused(database.db, signedWith(config), copy, /does not match/);
    });

    it('refuses an unsigned backup while a key is set, unless told to restore it', async () => {
      const before = await snapshot(database.db);
      const { name } = await createBackupService(config, silentLogger).create();
      expect((await readManifest(name)).signature).toBeUndefined();
      await later();
      await expectRefused(database.db, signedWith(config), name, /is not signed, and BACKUP_SIGNING_KEY is set: nothing was restored.+--allow-unsigned/);
      await createBackupService(signedWith(config), silentLogger).restore(name, { allowUnsigned: true });
      expect(await snapshot(database.db)).toEqual(before);
    });

    it('refuses a backup signed with another key', async () => {
      const { name } = await createBackupService(signedWith(config), silentLogger).create();
      await later();
      const rotated = signedWith(config, 'another-key-of-more-than-32-characters');
      await expectRefused(database.db, rotated, name, /signed with another BACKUP_SIGNING_KEY/);
      await expectRefused(database.db, rotated, name, /does not match/, { allowUnsigned: true });
    });

    it('restores a signed backup without a key as before, saying it was not checked', async () => {
      const before = await snapshot(database.db);
      const { name } = await createBackupService(signedWith(config), silentLogger).create();
      await later();
      const lines: string[] = [];
      const backups = createBackupService(config, pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }));
      expect(backups.signatureOf(await readManifest(name))).toBe('unchecked');
      await backups.restore(name);
      expect(await snapshot(database.db)).toEqual(before);
      expect(lines.join('')).toContain('its signature is not checked');
    });
  });
});

describe('backups of Postgres to an S3-compatible bucket', () => {
  let server: S3rver;
  let endpoint: string;
  let files: string;

  beforeAll(async () => {
    files = await mkdtemp(join(tmpdir(), 'fibstack-s3-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: files, configureBuckets: [{ name: 'fibstack-backups', configs: [] }] });
    const address = await server.run();
    endpoint = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await server?.close();
    await rm(files, { recursive: true, force: true });
  });

  it('writes, lists, prunes and restores backups in the bucket', async () => {
    const database = await openMigratedDatabase();
    try {
      await record(database.db, [5, 6, 7, 8]);
      const config = settings({
        DATABASE_URL: database.url,
        BACKUP_S3_BUCKET: 'fibstack-backups',
        S3_ENDPOINT: endpoint,
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
      });
      const backups = createBackupService(config, silentLogger);
      const before = await snapshot(database.db);
      await backups.create();
      await backups.create();
      const newest = await backups.create();
      expect((await backups.list()).map((backup) => backup.name)[0]).toBe(newest.name);
      expect(await createBackupService(config, silentLogger).newest()).toEqual(new Date(newest.createdAt));
      expect(await backups.list()).toHaveLength(2);
      await sql`TRUNCATE calculations, calculation_values, submissions`.execute(database.db);
      await backups.restore(newest.name);
      expect(await snapshot(database.db)).toEqual(before);
      // The object gone, its manifest left: refused as damaged.
      const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
      await client.send(new DeleteObjectCommand({ Bucket: 'fibstack-backups', Key: `backups/${newest.name}` }));
      await expect(backups.restore(newest.name)).rejects.toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringMatching(/damaged \(0 of/) });
    } finally {
      await database.close();
    }
  });

  it('fails a scheduled backup, spending its attempt, while the bucket does not answer: it is not Postgres or Redis away', async () => {
    const database = await openMigratedDatabase();
    try {
      const config = settings({ DATABASE_URL: database.url, BACKUP_S3_BUCKET: 'fibstack-backups', S3_ENDPOINT: 'http://127.0.0.1:1', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' });
      const lines: Array<{ level: number; source?: string; msg: string }> = [];
      const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
      const backups = createBackupService(config, logger);
      const failures: Error[] = [];
      const handler = { handle: async () => void (await backups.create()), onFailed: async (_: unknown, error: Error) => void failures.push(error) };
      const handlers = { [JobName.Backup]: handler } as unknown as JobHandlers;
      const context = { signal: new AbortController().signal, attempt: 1, attempts: 1, id: 'backup-1' };
      const error = await runJob(handlers, JobName.Backup, {}, context).catch((error: unknown) => error);
      expect(error).not.toBeInstanceOf(RetryLaterError);
      expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/^the backup store s3:\/\/fibstack-backups\/backups\/ does not answer/) });
      expect(failures).toEqual([error]);
      // What the SDK has to say goes to the service's log, as JSON, not to the console as plain text.
      expect(lines).toContainEqual(expect.objectContaining({ level: 40, source: 's3', msg: 'An error was encountered in a non-retryable streaming request.' }));
    } finally {
      await database.close();
    }
  });

  it('signs backups in the bucket, and refuses one whose manifest was altered there', async () => {
    const database = await openMigratedDatabase();
    const bucket = { BACKUP_S3_BUCKET: 'fibstack-backups', BACKUP_S3_PREFIX: 'signed/', S3_ENDPOINT: endpoint, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' };
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      await record(database.db, [5, 6]);
      const config = signedWith(settings({ DATABASE_URL: database.url, ...bucket }));
      const before = await snapshot(database.db);
      const { name } = await createBackupService(config, silentLogger).create();
      await record(database.db, [500]);
      const key = `signed/${name}.json`;
      const manifest = JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: 'fibstack-backups', Key: key }))).Body!.transformToString()) as BackupInfo;
      expect(manifest.signature).toMatch(/^[0-9a-f]{64}$/);

      await client.send(new PutObjectCommand({ Bucket: 'fibstack-backups', Key: key, Body: JSON.stringify({ ...manifest, bytes: manifest.bytes + 1 }) }));
      await expectRefused(database.db, config, name, /does not match/);
      await client.send(new PutObjectCommand({ Bucket: 'fibstack-backups', Key: key, Body: JSON.stringify(manifest) }));
      await createBackupService(config, silentLogger).restore(name);
      expect(await snapshot(database.db)).toEqual(before);
    } finally {
      client.destroy();
      await database.close();
    }
  });
});

describe('backups of the embedded database', () => {
  it('dumps the running PGlite and restores it offline', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fibstack-pglite-'));
    const config = settings({ DATA_DIR: dataDir, BACKUP_DIR: join(dataDir, 'backups') });
    try {
      let db = await openDatabase(config);
      await migrateToLatest(db);
      await record(db, [3, 4, 12]);
      const before = await snapshot(db);
      const { name } = await createBackupService(config, silentLogger, db).create();
      await expect(createBackupService(config, silentLogger, db).restore(name)).rejects.toMatchObject({ code: 'CONFLICT' });
      await sql`TRUNCATE calculations, calculation_values, submissions`.execute(db);
      await db.destroy();

      await createBackupService(config, silentLogger).restore(name);
      db = await openDatabase(config);
      expect(await snapshot(db)).toEqual(before);
      await db.destroy();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an unreadable archive, leaving the live database as it was and nothing beside it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fibstack-pglite-'));
    const backupDir = await mkdtemp(join(tmpdir(), 'fibstack-backups-'));
    const config = settings({ DATA_DIR: dataDir, BACKUP_DIR: backupDir });
    try {
      let db = await openDatabase(config);
      await migrateToLatest(db);
      await record(db, [3, 4]);
      const { name, bytes } = await createBackupService(config, silentLogger, db).create();
      await record(db, [12]);
      const before = await snapshot(db);
      await db.destroy();
      const archive = await readFile(join(backupDir, name));
      const contents = await readdir(dataDir);

      for (const content of [archive.subarray(0, Math.floor(bytes / 2)), Buffer.from('not an archive at all')]) {
        await rewriteBackup(backupDir, name, content);
        await expect(createBackupService(config, silentLogger).restore(name)).rejects.toMatchObject({
          code: 'BACKUP_INVALID',
          message: 'the backup is not a readable PGlite archive; nothing was restored',
        });
        expect(await readdir(dataDir)).toEqual(contents);
      }
      db = await openDatabase(config);
      expect(await snapshot(db)).toEqual(before);
      await db.destroy();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await rm(backupDir, { recursive: true, force: true });
    }
  });

  it('brings a backup of an earlier release to the latest schema as it restores it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fibstack-pglite-'));
    const config = settings({ DATA_DIR: dataDir, BACKUP_DIR: join(dataDir, 'backups') });
    try {
      let db = await openDatabase(config);
      await migrateTo(db, '0009_finish_by_key');
      const { name } = await createBackupService(config, silentLogger, db).create();
      await migrateToLatest(db);
      await db.destroy();

      await createBackupService(config, silentLogger).restore(name);
      db = await openDatabase(config);
      expect(await migrationNames(db)).toContain('0010_request_id_reuse');
      await submit(db, 42);
      await db.destroy();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('makes one backup at a time: one asked for while another is being made is refused', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fibstack-pglite-'));
    const config = settings({ DATA_DIR: dataDir, BACKUP_DIR: join(dataDir, 'backups'), BACKUP_KEEP: '5' });
    const db = await openDatabase(config);
    try {
      await migrateToLatest(db);
      const backups = createBackupService(config, silentLogger, db);
      const [first, second] = await Promise.allSettled([backups.create(), backups.create()]);
      expect(first).toMatchObject({ status: 'fulfilled' });
      expect(second).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT', message: expect.stringContaining('already being made') } });
      await backups.create();
      expect(await backups.list()).toHaveLength(2);
    } finally {
      await db.destroy();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
