/**
 * The operator's backup commands (`npm run backup`, `npm run backups`, `npm run restore`) as built, on a
 * Postgres database of their own.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, redisNamespace, redisUrl, type TestDatabase } from '../server/test/support/services.js';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const command = (env: NodeJS.ProcessEnv, ...args: string[]) => run(process.execPath, [join(root, 'server/dist/backup/cli.js'), ...args], { env });

describe('the backup commands on Postgres', () => {
  let database: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let db: pg.Client;
  const namespace = redisNamespace();

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'fibstack-backup-cli-'));
    env = { PATH: process.env.PATH, DATABASE_URL: database.url, REDIS_URL: redisUrl, QUEUE_PREFIX: namespace.prefix, BACKUP_DIR: dir, LOG_LEVEL: 'warn' };
    await run(process.execPath, [join(root, 'server/dist/migrate.js')], { env });
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await database?.drop();
    await namespace.clean();
    await rm(dir, { recursive: true, force: true });
  });

  const rows = async () =>
    (await db.query<{ index: string; status: string; attempt: number; batch: string | null }>('SELECT index, status, attempt, batch FROM calculations ORDER BY index')).rows;

  it('back up, list and restore the record, and start its unfinished work anew', async () => {
    // Two calculations of one batch, queued; one done.
    const batch = randomUUID();
    await db.query(
      `INSERT INTO calculations (index, status, digits, head, tail, requested_by, batch) VALUES
         (7, 'queued', 2, '13', '13', 'cli', $1), (8, 'queued', 2, '21', '21', 'cli', $1), (9, 'done', 2, '34', '34', 'cli', NULL)`,
      [batch],
    );
    const { stdout: written } = await command(env, 'backup');
    const name = written.split(/\s+/)[0]!;
    expect(name).toMatch(/^fibstack-.+\.pgdump$/);
    expect((await command(env, 'list')).stdout).toContain(name);

    // After the backup the batch was computed and another index asked for: the restore takes both back.
    await db.query(`UPDATE calculations SET status = 'done' WHERE index IN (7, 8)`);
    await db.query(`INSERT INTO calculations (index, status, digits, head, tail, requested_by) VALUES (10, 'queued', 2, '55', '55', 'cli')`);
    // The servers cached F(7) done; the restore takes it back to queued.
    const redis = new Redis(redisUrl);
    const cached = `${namespace.prefix}:calculation:7`;
    await redis.set(cached, JSON.stringify({ index: 7, status: 'done' }));
    expect((await command(env, 'restore', name)).stdout.trim()).toBe(`restored ${name}`);
    expect(await redis.exists(cached)).toBe(0);
    redis.disconnect();

    const restored = await rows();
    expect(restored.map(({ index, status, attempt }) => [Number(index), status, attempt])).toEqual([
      [7, 'queued', 2],
      [8, 'queued', 2],
      [9, 'done', 1],
    ]);
    // The batch's members share a new batch id: its job's id is one the queue has never seen.
    expect(restored[0]!.batch).toBe(restored[1]!.batch);
    expect(restored[0]!.batch).not.toBe(batch);
  });

  it('renews unfinished work and clears cached views after a restore made by other means', async () => {
    await db.query(`UPDATE calculations SET status = 'queued' WHERE index = 9`);
    const before = await rows();
    const redis = new Redis(redisUrl);
    const cached = `${namespace.prefix}:calculation:9`;
    await redis.set(cached, JSON.stringify({ index: 9, status: 'done' }));
    expect((await command(env, 'renew')).stdout.trim()).toBe('unfinished work renewed, cached views cleared');
    expect(await redis.exists(cached)).toBe(0);
    redis.disconnect();
    const after = await rows();
    expect(after.map(({ index, attempt }) => [Number(index), attempt])).toEqual(before.map(({ index, attempt }) => [Number(index), attempt + 1]));
  });

  it('refuses an unknown backup and changes nothing', async () => {
    const before = await rows();
    await expect(command(env, 'restore', 'fibstack-2020-01-01T00-00-00-000Z.pgdump')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/no backup named/) });
    expect(await rows()).toEqual(before);
  });

  it('restores a backup made before signing was turned on only with --allow-unsigned', async () => {
    const signing = { ...env, BACKUP_SIGNING_KEY: 'a-signing-key-of-more-than-32-characters' };
    const name = (await command(env, 'backup')).stdout.split(/\s+/)[0]!;
    const signed = (await command(signing, 'backup')).stdout.split(/\s+/)[0]!;
    const listed = (await command(signing, 'list')).stdout;
    expect(listed).toMatch(new RegExp(`^${name} .+ unsigned$`, 'm'));
    expect(listed).toMatch(new RegExp(`^${signed} .+ signed$`, 'm'));
    await db.query(`INSERT INTO calculations (index, status, digits, head, tail, requested_by) VALUES (11, 'queued', 2, '89', '89', 'cli')`);
    const before = await rows();
    await expect(command(signing, 'restore', name)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`${name} is not signed, and BACKUP_SIGNING_KEY is set: nothing was restored`),
    });
    expect(await rows()).toEqual(before);
    await expect(command(signing, 'backup', '--allow-unsigned')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('usage: cli.js') });
    expect((await command(signing, 'restore', name, '--allow-unsigned')).stdout).toContain(`restored ${name}`);
    expect((await rows()).map(({ index }) => Number(index))).not.toContain(11);
  });
});

describe('the embedded database, held by one process at a time', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess | undefined;

  /** `npm start` as built, on this test's DATA_DIR; resolves once it has started. */
  const start = () =>
    new Promise<ChildProcess>((resolveStarted, reject) => {
      const child = spawn(process.execPath, [join(root, 'server/dist/main.js')], { env: { ...env, PORT: '0', LOG_LEVEL: 'info' } });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('"msg":"started"')) resolveStarted(child);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} before starting: ${output}`)));
    });
  const exited = (child: ChildProcess) => new Promise((resolveExit) => (child.exitCode !== null ? resolveExit(child.exitCode) : child.once('exit', resolveExit)));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fibstack-embedded-lock-'));
    env = { PATH: process.env.PATH, DATA_DIR: dir, BACKUP_DIR: join(dir, 'backups'), WEB_DIR: '/nonexistent', HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await exited(server);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second server, and a backup, while one runs, saying why', { timeout: 60_000 }, async () => {
    server = await start();
    const refusals = await Promise.all([
      run(process.execPath, [join(root, 'server/dist/main.js')], { env: { ...env, PORT: '0' } }).catch((error: { code: number; stderr: string }) => error),
      command(env, 'backup').catch((error: { code: number; stderr: string }) => error),
    ]);
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ code: 1, stderr: expect.stringContaining(`the embedded database in ${dir} is in use by another process`) });
    }
  });

  it('takes over from a server that was killed, once its lock is stale', { timeout: 60_000 }, async () => {
    if (server!.exitCode === null) server!.kill('SIGKILL');
    await exited(server!);
    // start() rejects if the new server exits instead of starting.
    server = await start();
    expect(server.exitCode).toBeNull();
  });
});
