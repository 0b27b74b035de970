import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { QUEUE_NAMES } from '../src/jobs/bullmq.queue.js';
import { JobName } from '../src/jobs/types.js';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { silentLogger } from './support/adapters.js';
import { metricSample } from './support/metrics.js';
import { createTestDatabase, eventually, redisNamespace, redisUrl, type TestDatabase } from './support/services.js';
import { summary } from './support/records.js';

const PASSWORD = 'admin-password-1';
const auth = { authorization: `Basic ${Buffer.from(`ops:${PASSWORD}`).toString('base64')}` };

const modes = {
  embedded: async (dir: string) => ({ env: { DATA_DIR: dir }, cleanup: async () => {} }),
  distributed: async () => {
    const database: TestDatabase = await createTestDatabase();
    const namespace = redisNamespace();
    return {
      env: { DATABASE_URL: database.url, DATABASE_POOL_SIZE: '4', REDIS_URL: redisUrl, QUEUE_PREFIX: namespace.prefix },
      cleanup: async () => {
        await database.drop();
        await namespace.clean();
      },
    };
  },
};

describe.each(['embedded', 'distributed'] as const)('admin, %s', (mode) => {
  let runtime: Runtime;
  let dir: string;
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;

  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${runtime.url}${path}`, init);
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fibstack-admin-'));
    await writeFile(join(dir, 'admin.html'), '<!doctype html><title>fibstack admin</title>');
    ({ env, cleanup } = await modes[mode](dir));
    const config = parseConfig({
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
      WEB_DIR: dir,
      BACKUP_DIR: join(dir, 'backups'),
      ADMIN_USER: 'ops',
      ADMIN_PASSWORD: PASSWORD,
      FIB_THREADS: '1',
      FIB_ENGINE: 'bigint',
      WORKER_CONCURRENCY: '4',
      PRUNE_CRON: 'off',
    });
    runtime = await startRuntime(config, silentLogger);
  });
  afterAll(async () => {
    await runtime?.stop();
    await cleanup?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 401 and nothing more without the credentials', async () => {
    const attempts: Array<[string, RequestInit]> = [
      ['/api/admin/stats', {}],
      ['/api/admin/backups', {}],
      ['/api/admin/backups', { method: 'POST' }],
      ['/api/admin/backups/fibstack-2020-01-01T00-00-00-000Z.pgdump/restore', { method: 'POST' }],
      ['/api/admin/calculations/5/retry', { method: 'POST' }],
      ['/admin', {}],
      ['/admin/queues', {}],
      ['/admin/queues/api/queues', {}],
      ['/api/admin/stats', { headers: { authorization: `Basic ${Buffer.from(`ops:${PASSWORD}x`).toString('base64')}` } }],
      ['/api/admin/stats', { headers: { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` } }],
    ];
    for (const [path, init] of attempts) {
      const response = await call(path, init);
      expect(response.status, path).toBe(401);
      expect(response.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'credentials required' } });
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
  });

  it('reports queue depth, throughput, workers and the slowest calculations', async () => {
    for (const index of [300, 5_000]) {
      await call('/api/calculations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ index }) });
    }
    const stats = await eventually(async () => {
      const current = (await call('/api/admin/stats', { headers: auth })).json();
      // The record is marked done a moment before the queue marks the job completed.
      return current.slowest.length === 2 && current.queue.completed >= 2 ? current : undefined;
    });
    expect(stats.queue).toMatchObject({ waiting: 0, active: 0, failed: 0 });
    expect(stats.jobsPerMinute).toBeGreaterThan(0);
    expect(stats.failureRate).toBe(0);
    expect(stats.workers).toHaveLength(1);
    // Both calculations done: the worker runs nothing now.
    expect(stats.workers[0]).toMatchObject({ concurrency: 4, engine: 'bigint', running: [], runningCount: 0 });
    expect(stats.slowest.map((calculation: { index: number }) => calculation.index).sort()).toEqual([300, 5_000]);
    expect(stats.failed).toEqual([]);
    expect(stats.failedTotal).toBe(0);
    expect(stats.failedTotalExact).toBe(true);
  });

  it('lists the periodic jobs, each with its expression and next run, or as off', async () => {
    const { schedules } = (await call('/api/admin/stats', { headers: auth })).json();
    expect(schedules).toEqual([
      { name: 'backup', pattern: '0 3 * * *', next: expect.stringMatching(/T03:00:00\.000Z$/), last: null },
      { name: 'prune', pattern: 'off', next: null, last: null },
      { name: 'reconcile', pattern: '*/10 * * * *', next: expect.any(String), last: null },
    ]);
    expect(Date.parse(schedules[2].next)).toBeGreaterThan(Date.now());
  });

  it('retries only failed calculations', async () => {
    expect((await call('/api/admin/calculations/300/retry', { method: 'POST', headers: auth })).json().error.code).toBe('CONFLICT');
    expect((await call('/api/admin/calculations/301/retry', { method: 'POST', headers: auth })).status).toBe(404);
  });

  it('makes and lists backups', async () => {
    const newest = async () =>
      metricSample((await call('/metrics', { headers: auth })).text, 'backup_newest_timestamp_seconds', { location: join(dir, 'backups'), role: 'all' });
    expect(await newest()).toBe(0);
    const made = await call('/api/admin/backups', { method: 'POST', headers: auth });
    expect(made.status).toBe(201);
    const { name, createdAt } = made.json();
    const listed = (await call('/api/admin/backups', { headers: auth })).json();
    expect(listed.items.map((backup: { name: string }) => backup.name)).toEqual([name]);
    // Known at once to the process that made it, for the alert on a stale backup.
    expect(await newest()).toBe(Date.parse(createdAt) / 1_000);
    // F(302) and F(100,001) (from EXPENSIVE_INDEX: a job of its own, named by index and attempt),
    // computed after the backup and read (so cached), are not in what the backup restores.
    const submit = (index: number) => call('/api/calculations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ index }) });
    const done = (index: number) => eventually(async () => ((await call(`/api/calculations/${index}`)).json().status === 'done' ? true : undefined));
    for (const index of [302, 100_001]) {
      await submit(index);
      await done(index);
    }
    const restored = await call(`/api/admin/backups/${name}/restore`, { method: 'POST', headers: auth });
    // The embedded database cannot be replaced under the running process; Postgres can, in one transaction.
    expect(restored.status).toBe(mode === 'embedded' ? 409 : 200);
    for (const index of [302, 100_001]) expect((await call(`/api/calculations/${index}`)).status).toBe(mode === 'embedded' ? 200 : 404);
    if (mode === 'distributed') {
      // The finished jobs of the record before the restore are gone with it.
      const jobs = new Queue(QUEUE_NAMES.jobs, { connection: { url: redisUrl }, prefix: env.QUEUE_PREFIX });
      try {
        expect(await jobs.getJob('fib-100001-1')).toBeUndefined();
      } finally {
        await jobs.close();
      }
    }
    // Submitted again, each is made again at attempt 1, under the job name the queue still keeps, finished.
    for (const index of [302, 100_001]) {
      expect((await submit(index)).status).toBe(mode === 'embedded' ? 200 : 202);
      await done(index);
    }
  });

  it('refuses an action a page of another site sends with the cached credentials, and takes the same from its own page', async () => {
    const before = (await call('/api/admin/backups', { headers: auth })).json().items.length;
    // A form posted from another site: the browser says so, or at least sends that site's origin.
    const crossSite: Array<Record<string, string>> = [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://elsewhere.example' }];
    for (const from of crossSite) {
      const refused = await call('/api/admin/backups', { method: 'POST', headers: { ...auth, ...from, 'content-type': 'text/plain' }, body: 'x=1' });
      expect(refused.status, JSON.stringify(from)).toBe(403);
      expect(refused.json()).toEqual({ error: { code: 'CROSS_SITE_REQUEST', message: expect.any(String) } });
    }
    expect((await call('/api/admin/backups', { headers: { ...auth, 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
    expect((await call('/api/admin/backups', { headers: auth })).json().items).toHaveLength(before);
    // The admin page's own request.
    const { host } = new URL(runtime.url);
    const made = await call('/api/admin/backups', { method: 'POST', headers: { ...auth, 'sec-fetch-site': 'same-origin', origin: `http://${host}` } });
    expect(made.status).toBe(201);
  });

  it('says which queues the dashboard paused, until they are resumed', async () => {
    const paused = async () => (await call('/api/admin/stats', { headers: auth })).json().pausedQueues;
    expect(await paused()).toEqual([]);
    if (mode === 'embedded') return;
    const dashboard = (action: string) => call(`/admin/queues/api/queues/calculations/${action}`, { method: 'PUT', headers: auth });
    expect((await dashboard('pause')).status).toBe(200);
    try {
      expect(await paused()).toEqual(['calculations']);
    } finally {
      expect((await dashboard('resume')).status).toBe(200);
    }
    expect(await paused()).toEqual([]);
  });

  it('serves the admin page, and the queue dashboard where the queue is BullMQ', async () => {
    const page = await call('/admin', { headers: auth });
    expect(page.status).toBe(200);
    expect(page.text).toContain('fibstack admin');
    const slashed = await call('/admin/', { headers: auth, redirect: 'manual' });
    expect(slashed.status).toBe(308);
    expect(slashed.headers.get('location')).toBe('/admin');
    // The page links the dashboard only where there is one.
    const { queueDashboard } = (await call('/api/admin/stats', { headers: auth })).json();
    expect(queueDashboard).toBe(mode === 'distributed' ? '/admin/queues' : null);
    const dashboard = await call('/admin/queues', { headers: auth });
    expect(dashboard.status).toBe(mode === 'distributed' ? 200 : 404);
    if (mode === 'distributed') {
      const queues = (await call('/admin/queues/api/queues', { headers: auth })).json();
      expect(queues.queues.map((queue: { name: string }) => queue.name).sort()).toEqual(['calculation-batches', 'calculations']);
    }
  });

  // Only here can the test reach the database the runtime uses, to leave a calculation failed.
  if (mode === 'distributed') it('re-queues a failed calculation on retry', async () => {
    const db = await openDatabase({ DATABASE_URL: env.DATABASE_URL!, DATABASE_POOL_SIZE: 1, DATA_DIR: dir });
    try {
      const calculations = new CalculationRepository(db);
      // A calculation whose job failed for good, as onFailed leaves it.
      await calculations.request(999, 'test', summary(999));
      await calculations.fail(999, 1, 'The computation failed.');
      const stats = (await call('/api/admin/stats', { headers: auth })).json();
      expect(stats.failed).toMatchObject([{ index: 999, error: 'The computation failed.' }]);
      expect(stats.failedTotal).toBe(1);
      // The queue still keeps, finished, a job under the id the retry's attempt takes: of a life of the
      // calculation before a restore (`npm run restore` leaves finished jobs in Redis).
      const jobs = new Queue(QUEUE_NAMES.jobs, { connection: { url: redisUrl }, prefix: env.QUEUE_PREFIX });
      try {
        const earlier = await jobs.add(JobName.ComputeFibonacci, { index: 999, attempt: 2 }, { jobId: 'fib-999-2' });
        await eventually(async () => ((await earlier.getState()) === 'completed' ? true : undefined));
      } finally {
        await jobs.close();
      }
      // Pages open meanwhile are told it is queued again.
      const events = new AbortController();
      const stream = await fetch(`${runtime.url}/api/events`, { signal: events.signal });
      const told = calculationEvents(stream).then(async (views) => {
        for await (const view of views) if (view.index === 999 && view.status === 'queued') return view;
      });
      const retried = await call('/api/admin/calculations/999/retry', { method: 'POST', headers: auth });
      expect(retried.status).toBe(202);
      expect(await Promise.race([told, delay(5_000)])).toMatchObject({ index: 999, status: 'queued' });
      events.abort();
      await eventually(async () => ((await calculations.find(999))?.status === 'done' ? true : undefined));
    } finally {
      await db.destroy();
    }
  });

  if (mode === 'distributed') it('computes a failed large calculation submitted again, past a finished job of its next attempt', async () => {
    const db = await openDatabase({ DATABASE_URL: env.DATABASE_URL!, DATABASE_POOL_SIZE: 1, DATA_DIR: dir });
    try {
      const calculations = new CalculationRepository(db);
      await calculations.request(100_998, 'test', summary(100_998));
      await calculations.fail(100_998, 1, 'The computation failed.');
      // As after `npm run restore`: the queue keeps a finished job of the id its next attempt takes.
      const jobs = new Queue(QUEUE_NAMES.jobs, { connection: { url: redisUrl }, prefix: env.QUEUE_PREFIX });
      try {
        const earlier = await jobs.add(JobName.ComputeFibonacci, { index: 100_998, attempt: 2 }, { jobId: 'fib-100998-2' });
        await eventually(async () => ((await earlier.getState()) === 'completed' ? true : undefined));
      } finally {
        await jobs.close();
      }
      // Submitted again, as a page's Retry button does.
      const submitted = await call('/api/calculations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"index": 100998}' });
      expect(submitted.json()).toMatchObject({ status: 'queued' });
      await eventually(async () => ((await calculations.find(100_998))?.status === 'done' ? true : undefined));
    } finally {
      await db.destroy();
    }
  });

  if (mode === 'distributed') it('says the failed count stopped at its limit when more have failed', async () => {
    const db = await openDatabase({ DATABASE_URL: env.DATABASE_URL!, DATABASE_POOL_SIZE: 1, DATA_DIR: dir });
    try {
      const exact = (await call('/api/admin/stats', { headers: auth })).json();
      expect(exact.failedTotalExact).toBe(true);
      // One more than the count goes to, all failed.
      const failed = exact.failedTotal;
      await sql`insert into calculations (index, status, error, completed_at)
        select index, 'failed', 'The computation failed.', now() from generate_series(5000000, ${5_000_000 + 10_000 - failed}) as index`.execute(db);
      const counted = (await call('/api/admin/stats', { headers: auth })).json();
      expect(counted).toMatchObject({ failedTotal: 10_000, failedTotalExact: false });
    } finally {
      await db.destroy();
    }
  });
});

/** The data of each `calculation` event of an event stream, as it arrives. */
async function calculationEvents(stream: Response): Promise<AsyncGenerator<{ index: number; status: string }>> {
  const lines = stream.body!.pipeThrough(new TextDecoderStream());
  return (async function* () {
    let text = '';
    for await (const chunk of lines) {
      text += chunk;
      const frames = text.split('\n\n');
      text = frames.pop()!;
      for (const frame of frames) {
        const data = /^event: calculation\ndata: (.*)$/m.exec(frame)?.[1];
        if (data) yield JSON.parse(data);
      }
    }
  })();
}

