/**
 * A smoke run of `npm run bench:load`: one small history, a second per row, four connections. It checks
 * that the benchmark still runs end to end and reports every figure it promises; the figures themselves
 * are for `npm run bench:load` at full size, run alone.
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { admin, eventually, postgresUrl, redisUrl } from '../../server/test/support/services.js';
import { runNpm } from '../support/npm.js';
import { groupMembers } from './proc.js';

const here = dirname(fileURLToPath(import.meta.url));
const lists = ['/api/calculations', '/api/submissions', '/api/values/all', '/api/values/current'];

interface Report {
  rows: Array<{
    history: number | '—';
    endpoint: string;
    reqPerSec: number;
    errors: number;
    cpu?: Record<string, number>;
    statements?: { statements: number; perStatement: number; statementMs: number; queueMs: number; betweenMs: number };
  }>;
  latency: { p50Ms: number; p99Ms: number; samples: number; roundTripP50Ms: number };
  backlog: Record<string, number>;
  batches: Record<string, { jobs: number; perJob: number }>;
  streamBytes: number[];
  memory: Record<string, Record<string, number>>;
}

describe('the load benchmark, run small', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('drives every endpoint without an error and reports throughput, CPU, batching, statement steps, latency and memory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fibstack-bench-smoke-'));
    const out = join(dir, 'bench-load.json');
    await promisify(execFile)(process.execPath, ['--import', 'tsx', join(here, 'load.ts')], {
      env: { ...process.env, BENCH_SIZES: '1000', BENCH_SECONDS: '1', BENCH_WARMUP_SECONDS: '1', BENCH_CONNECTIONS: '4', BENCH_STREAMS: '2', BENCH_OUT: out },
      maxBuffer: 1 << 22,
    });
    const report = JSON.parse(await readFile(out, 'utf8')) as Report;

    expect(report.rows.map(({ history, endpoint }) => `${history} ${endpoint}`)).toEqual([
      '— nginx static 200 (ceiling)',
      '— POST /api/calculations (warm-up)',
      '1000 POST /api/calculations',
      ...lists.map((path) => `1000 GET ${path}`),
      '1000 POST /api/calculations (2 event streams open)',
    ]);
    for (const row of report.rows) {
      expect(row.errors, row.endpoint).toBe(0);
      expect(row.reqPerSec, row.endpoint).toBeGreaterThan(0);
    }
    // Every POST row's requests were served by the api processes and stored by Postgres, in statements
    // whose steps the api processes timed; the lists wrote nothing.
    for (const row of report.rows.filter(({ endpoint }) => endpoint.startsWith('POST'))) {
      expect(row.cpu?.api, row.endpoint).toBeGreaterThan(0);
      expect(row.cpu?.postgres, row.endpoint).toBeGreaterThan(0);
      expect(row.statements?.statements, row.endpoint).toBeGreaterThan(0);
      expect(row.statements?.perStatement, row.endpoint).toBeGreaterThanOrEqual(1);
      expect(row.statements?.statementMs, row.endpoint).toBeGreaterThan(0);
      expect(row.statements?.queueMs, row.endpoint).toBeGreaterThan(0);
    }
    for (const row of report.rows.filter(({ endpoint }) => endpoint.startsWith('GET'))) expect(row.statements, row.endpoint).toBeUndefined();
    // The streams heard the row's events, far more than their `ready` frames.
    expect(report.streamBytes).toHaveLength(2);
    for (const bytes of report.streamBytes) expect(bytes).toBeGreaterThan(10_000);
    expect(report.latency.samples).toBe(155);
    expect(report.latency.p50Ms).toBeGreaterThan(0);
    expect(report.latency.p99Ms).toBeGreaterThanOrEqual(report.latency.p50Ms);
    expect(report.latency.roundTripP50Ms).toBeGreaterThan(0);
    expect(Object.keys(report.backlog)).toEqual(['1000']);
    // The row's new indexes went in batch jobs, each of at least one calculation.
    expect(report.batches['1000']!.jobs).toBeGreaterThan(0);
    expect(report.batches['1000']!.perJob).toBeGreaterThanOrEqual(1);
    expect(Object.keys(report.memory['1000']!).sort()).toEqual(['api-1', 'api-2', 'worker-3', 'worker-4']);
    for (const mb of Object.values(report.memory['1000']!)) expect(mb).toBeGreaterThan(0);
  });
});

describe('the load benchmark, without wrk', () => {
  it('exits at once with a message that names wrk and how to install it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'fibstack-no-wrk-'));
    try {
      const failure = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(here, 'load.ts')], { env: { ...process.env, PATH: empty } }).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr.trim()).toBe('npm run bench:load drives the load with wrk, which is not on the PATH (Debian: apt-get install wrk).');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('the load benchmark, stopped', () => {
  it('removes its processes, database, Redis keys and files when npm run bench:load is sent SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fibstack-bench-stop-'));
    // `--ignore-scripts` skips `prebench:load`, the build, which `npm test` has run already. Every
    // process of the run (tsx, wrk, nginx, the servers) is in npm's process group.
    const { npm, output, exited, killGroup } = runNpm(['run', 'bench:load', '--ignore-scripts'], {
      BENCH_SIZES: '1000',
      BENCH_SECONDS: '1',
      BENCH_WARMUP_SECONDS: '120',
      BENCH_CONNECTIONS: '4',
      BENCH_OUT: join(dir, 'bench-load.json'),
    });
    const redis = new Redis(redisUrl);
    let made: { database: string; prefix: string; workDir: string } | undefined;
    try {
      made = await eventually(() => {
        const [, database, prefix, logs] = /database (\S+), Redis prefix (\S+), logs in (\S+)/.exec(output()) ?? [];
        return database && prefix && logs ? { database, prefix, workDir: dirname(logs) } : undefined;
      }, 30_000);
      // The warm-up is under way, a long step: its submissions are being recorded.
      const url = new URL(postgresUrl);
      url.pathname = `/${made.database}`;
      await eventually(async () => {
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        try {
          const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM submissions').catch(() => ({ rows: [{ n: 0 }] }));
          return rows[0]!.n > 0 || undefined;
        } finally {
          await client.end();
        }
      }, 60_000);

      // A supervisor signals the process it started: npm, which passes the signal to the script alone.
      process.kill(npm.pid!, 'SIGTERM');
      // The run stops at once, not after its two minutes of warm-up, with the status of a SIGTERM.
      expect(await exited).toEqual([143, null]);
      expect(output()).toContain('SIGTERM: stopping the topology');
      expect(await groupMembers(npm.pid!)).toEqual([]);
      const { rows } = await admin((client) => client.query('SELECT 1 FROM pg_database WHERE datname = $1', [made!.database]));
      expect(rows).toEqual([]);
      expect(await redis.keys(`${made.prefix}:*`)).toEqual([]);
      await expect(access(made.workDir)).rejects.toThrow();
    } finally {
      killGroup();
      if (made) {
        await admin((client) => client.query(`DROP DATABASE IF EXISTS ${made!.database} WITH (FORCE)`));
        const keys = await redis.keys(`${made.prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
        await rm(made.workDir, { recursive: true, force: true });
      }
      redis.disconnect();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
