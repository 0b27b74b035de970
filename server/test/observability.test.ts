import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { JobName } from '../src/jobs/types.js';
import { createLogger } from '../src/lib/logger.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { metricSample } from './support/metrics.js';
import { createTestDatabase, eventually, redisNamespace, redisUrl, type TestDatabase } from './support/services.js';

const PASSWORD = 'metrics-secret-1';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The value of the one sample of `name` carrying every label given (and role="all"), in any order. */
const sample = (text: string, name: string, labels: Record<string, string>) => metricSample(text, name, { ...labels, role: 'all' });

/** A logger whose JSON lines the test can read back. */
function capturingLogger(level: 'info' | 'debug' = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ LOG_LEVEL: level, ROLE: 'all' }, stream), lines };
}

type Settings = (dir: string) => Promise<Record<string, string>> | Record<string, string>;

/**
 * An embedded runtime in a folder of its own, for the describe block that calls this: started before its
 * tests, stopped and removed after them. `env` adds to the settings every block shares.
 */
function embeddedRuntime(logger: Logger, env: Settings = () => ({})): () => Runtime {
  let runtime: Runtime | undefined;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fibstack-obs-'));
    runtime = await startRuntime(parseConfig({ DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', WEB_DIR: '/nonexistent', ...(await env(dir)) }), logger);
  });
  afterAll(async () => {
    await runtime?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return () => runtime!;
}

/** As embeddedRuntime, a worker alone on a database and Redis keys of its own. */
function workerRuntime(logger: Logger, env: Settings = () => ({})): () => Runtime {
  let database: TestDatabase;
  const namespace = redisNamespace();
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  const runtime = embeddedRuntime(logger, async (dir) => ({
    ...{ ROLE: 'worker', DATABASE_URL: database.url, DATABASE_POOL_SIZE: '2', REDIS_URL: redisUrl, QUEUE_PREFIX: namespace.prefix },
    ...(await env(dir)),
  }));
  afterAll(async () => {
    await database?.drop();
    await namespace.clean();
  });
  return runtime;
}

describe('metrics and logs, embedded', () => {
  const { logger, lines } = capturingLogger('debug');
  const runtime = embeddedRuntime(logger, () => ({ ADMIN_PASSWORD: PASSWORD, FIB_THREADS: '1' }));

  it('carries the request id from the HTTP request into the worker’s log of its job', async () => {
    const response = await fetch(`${runtime().url}/api/calculations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-me-42' },
      body: JSON.stringify({ index: 321 }),
    });
    await response.body?.cancel();
    const computed = await eventually(() => lines.find((line) => line.msg === 'computed' && line.index === 321));
    expect(computed).toMatchObject({ reqId: 'trace-me-42', job: expect.stringMatching(/^fibs-[\da-f-]{36}$/) });
  });

  it('refuses /metrics without the admin credentials, and says nothing else', async () => {
    for (const authorization of [undefined, basic('admin', 'wrong-password'), 'Bearer x']) {
      const response = await fetch(`${runtime().url}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'credentials required' } });
    }
  });

  it('exposes HTTP, queue, job, compute, SSE and process metrics', async () => {
    await eventually(() => lines.find((line) => line.msg === 'computed'));
    const response = await fetch(`${runtime().url}/metrics`, { headers: { authorization: basic('admin', PASSWORD) } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/calculations', status: '202' })).toBe(1);
    expect(sample(text, 'queue_jobs', { state: 'completed' })).toBeGreaterThan(0);
    expect(sample(text, 'job_duration_seconds_count', { job_name: 'compute-fibonacci-batch', outcome: 'completed' })).toBeGreaterThan(0);
    expect(sample(text, 'fib_compute_duration_seconds_count', { size: '<1e3' })).toBe(1);
    expect(sample(text, 'sse_clients', {})).toBe(0);
    expect(sample(text, 'process_resident_memory_bytes', {})).toBeGreaterThan(0);
  });

  it('counts the cheap submissions each statement recorded, and times its statement and its queue step', async () => {
    const scrape = async () => {
      const text = await (await fetch(`${runtime().url}/metrics`, { headers: { authorization: basic('admin', PASSWORD) } })).text();
      return {
        batches: sample(text, 'submission_batch_size_count', {}) ?? 0,
        submissions: sample(text, 'submission_batch_size_sum', {}) ?? 0,
        statements: sample(text, 'submission_batch_duration_seconds_count', { step: 'statement' }) ?? 0,
        statementSeconds: sample(text, 'submission_batch_duration_seconds_sum', { step: 'statement' }) ?? 0,
        queueSteps: sample(text, 'submission_batch_duration_seconds_count', { step: 'queue' }) ?? 0,
      };
    };
    const before = await scrape();
    const statuses = await Promise.all(
      [401, 402, 403, 404, 405, 406].map(async (index) => {
        const response = await fetch(`${runtime().url}/api/calculations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ index }) });
        await response.body?.cancel();
        return response.status;
      }),
    );
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202]);
    const after = await scrape();
    const batches = after.batches - before.batches;
    expect(after.submissions - before.submissions).toBe(6);
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(after.statements - before.statements).toBe(batches);
    expect(after.queueSteps - before.queueSteps).toBe(batches);
    expect(after.statementSeconds).toBeGreaterThan(before.statementSeconds);
  });

  it('logs a body the client cut short as no outage', async () => {
    const socket = connect(Number(new URL(runtime().url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    // The server's 100 Continue says it has the request; then part of the body, and the client is gone.
    const continued = new Promise((resolve) => socket.once('data', resolve));
    socket.write('POST /api/calculations HTTP/1.1\r\nHost: x\r\nX-Request-ID: cut-short-1\r\nContent-Type: application/json\r\nContent-Length: 40\r\nExpect: 100-continue\r\n\r\n');
    expect(String(await continued)).toMatch(/^HTTP\/1\.1 100 Continue/);
    await new Promise((resolve) => socket.write('{"index":41', resolve));
    socket.destroy();
    const logged = await eventually(async () => {
      const ofRequest = lines.filter((line) => line.reqId === 'cut-short-1');
      return ofRequest.some((line) => line.msg === 'request cut short by the client') ? ofRequest : undefined;
    });
    expect(logged.filter((line) => Number(line.level) >= 40)).toEqual([]);
  });

  it('says nothing of closed admin pages when they have a password', () => {
    expect(lines.some((line) => String(line.msg).startsWith('the admin pages are closed'))).toBe(false);
  });

  it('logs no credentials', () => {
    // Every request of this block that needed them sent them (the admin password, as Basic credentials).
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(PASSWORD);
    expect(logged).not.toContain(basic('admin', PASSWORD).slice('Basic '.length));
  });
});

describe('metrics on a port of their own', () => {
  // No schedule ticks: nothing runs before the counts are read.
  const runtime = workerRuntime(pino({ level: 'silent' }), () => ({ METRICS_PORT: '0', BACKUP_CRON: 'off', PRUNE_CRON: 'off', RECONCILE_CRON: 'off' }));

  it('serves them there without credentials, and not on the main port', async () => {
    const scraped = await fetch(`${runtime().metricsUrl}/metrics`);
    expect(scraped.status).toBe(200);
    const text = await scraped.text();
    expect(text).toContain('queue_jobs{state="waiting",role="worker"} 0');
    for (const dependency of ['database', 'queue']) expect(metricSample(text, 'dependency_up', { dependency, role: 'worker' }), dependency).toBe(1);
    // Every job's runs are counted from 0 before any runs, so that the first failure is an increase.
    for (const job of Object.values(JobName)) {
      for (const outcome of ['completed', 'failed', 'retried']) expect(metricSample(text, 'jobs_finished_total', { job_name: job, outcome, role: 'worker' }), `${job} ${outcome}`).toBe(0);
    }
    const main = await fetch(`${runtime().url}/metrics`);
    await main.body?.cancel();
    expect(main.status).toBe(404);
  });
});

describe('a scheduled job that fails for good', () => {
  const { logger, lines } = capturingLogger();
  // A backup asked for while the one before is still being made is skipped, and that run completes: the
  // ticks are far enough apart for a backup's two attempts (a second apart) to end before the next.
  const runtime = embeddedRuntime(logger, async (dir) => {
    // Backups go under a plain file: every attempt fails, and not for want of a dependency.
    await writeFile(join(dir, 'not-a-folder'), '');
    return {
      ...{ METRICS_PORT: '0', JOB_ATTEMPTS: '2', BACKUP_DIR: join(dir, 'not-a-folder', 'backups') },
      ...{ BACKUP_CRON: '*/5 * * * * *', PRUNE_CRON: 'off', RECONCILE_CRON: 'off' },
    };
  });

  it('says at start, without ADMIN_PASSWORD, why the admin pages refuse everyone', () => {
    // Metrics have a port of their own here: only the admin pages are named.
    expect(lines.find((line) => line.msg === 'the admin pages are closed: set ADMIN_PASSWORD to open /admin and /api/admin')).toMatchObject({ level: 30, user: 'admin' });
  });

  it('logs its last failure, and counts its first attempt as retried, its last as failed', async () => {
    const failed = await eventually(() => lines.find((line) => line.msg === 'backup failed'), 15_000);
    expect(failed).toMatchObject({ level: 50, job: 'backup', err: { code: 'ENOTDIR' } });
    const text = await (await fetch(`${runtime().metricsUrl}/metrics`)).text();
    const runs = (outcome: string) => metricSample(text, 'jobs_finished_total', { job_name: 'backup', outcome, role: 'all' }) ?? 0;
    expect(runs('failed')).toBeGreaterThanOrEqual(1);
    expect(runs('retried')).toBeGreaterThanOrEqual(runs('failed'));
    expect(runs('completed')).toBe(0);
  });
});
