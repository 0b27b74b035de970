/**
 * Private Postgres and Redis servers for tests that stop and restart them: the machine's shared ones are
 * never touched. Both come from the machine's own binaries, in a temporary folder, on free ports.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { ManagedProcess } from '../topology/process.js';

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? debianPostgresBin();

/** Debian and Ubuntu keep each installed Postgres major in its own folder: the newest one is used. */
function debianPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((major) => existsSync(join(root, major, 'bin', 'initdb'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`no Postgres server binaries in ${root}/<version>/bin: install postgresql, or set PG_BIN`);
  return join(root, newest, 'bin');
}

export class PrivateRedis {
  private process: ManagedProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), await mkdtemp(join(tmpdir(), 'fibstack-redis-')));
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Stops Redis, which keeps nothing on disk: it comes back empty. */
  async stop(): Promise<void> {
    await this.process?.stop('SIGKILL');
    this.process = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    this.process = new ManagedProcess(
      'redis',
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
      process.env,
      join(this.dir, 'redis.log'),
    );
    await waitUntil(async () => (await run('redis-cli', ['-p', String(this.port), 'ping'])).stdout.includes('PONG'));
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export class PrivatePostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** initdb and start a server with a database `fibstack` (Postgres refuses to run as root: it runs as `postgres`). */
  static async start(): Promise<PrivatePostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'fibstack-pg-'));
    await chmod(dir, 0o755);
    const postgres = new PrivatePostgres(await freePort(), dir);
    if (userInfo().uid === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: group } = await run('id', ['-g', 'postgres']);
      await chown(dir, Number(stdout), Number(group));
    }
    await postgres.asOwner(`${PG_BIN}/initdb`, ['-D', postgres.data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await postgres.restart();
    await run('psql', ['-h', '127.0.0.1', '-p', String(postgres.port), '-U', 'postgres', '-c', 'CREATE DATABASE fibstack']);
    return postgres;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/fibstack`;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  async stop(): Promise<void> {
    await this.asOwner(`${PG_BIN}/pg_ctl`, ['-D', this.data, '-m', 'fast', '-w', 'stop']).catch(() => {});
  }

  async restart(): Promise<void> {
    await this.stop();
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off -c max_connections=200`;
    await this.asOwner(`${PG_BIN}/pg_ctl`, ['-D', this.data, '-o', options, '-l', join(this.dir, 'postgres.log'), '-w', 'start']);
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async asOwner(command: string, args: string[]): Promise<void> {
    if (userInfo().uid === 0) await run('runuser', ['-u', 'postgres', '--', command, ...args]);
    else await run(command, args);
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
