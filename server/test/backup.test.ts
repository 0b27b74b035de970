import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import S3rver from 's3rver';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBackupService } from '../src/backup/create.js';
import { parseConfig, type Config } from '../src/config.js';
import { openDatabase, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import { SubmissionRepository } from '../src/repositories/submission.repository.js';
import { silentLogger } from './support/adapters.js';
import { openMigratedDatabase } from './support/services.js';
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

const settings = (extra: Record<string, string>): Config => parseConfig({ BACKUP_KEEP: '2', ...extra });

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

  it('rolls back a restore that fails part-way, and refuses what is not an archive', async () => {
    const backups = createBackupService(config, silentLogger);
    const { name, bytes } = await backups.create();
    const before = await snapshot(database.db);
    // A damaged archive whose manifest agrees with it: only pg_restore can tell.
    const rewrite = async (content: Buffer) => {
      await writeFile(join(dir, name), content);
      const manifest = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8'));
      const { createHash } = await import('node:crypto');
      manifest.bytes = content.length;
      manifest.sha256 = createHash('sha256').update(content).digest('hex');
      await writeFile(join(dir, `${name}.json`), JSON.stringify(manifest));
    };
    const archive = await readFile(join(dir, name));
    await rewrite(archive.subarray(0, Math.floor(bytes * 0.8)));
    await expect(backups.restore(name)).rejects.toMatchObject({ code: 'BACKUP_INVALID' });
    expect(await snapshot(database.db)).toEqual(before);
    await rewrite(Buffer.from('not a pg_dump archive at all'));
    await expect(backups.restore(name)).rejects.toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringMatching(/not a readable/) });
    expect(await snapshot(database.db)).toEqual(before);
  });

  it('answers an unknown or malformed name with NOT_FOUND', async () => {
    const backups = createBackupService(config, silentLogger);
    await expect(backups.restore('fibstack-2020-01-01T00-00-00-000Z.pgdump')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(backups.restore('../../etc/passwd')).rejects.toMatchObject({ code: 'NOT_FOUND' });
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
    } finally {
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
});
