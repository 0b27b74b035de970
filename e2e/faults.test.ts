/**
 * Faults under load, against the real processes: nginx, 2 api, 2 workers, on a Postgres and a Redis of
 * their own that the tests stop and restart. Each test records what it measured; the report is written
 * to e2e/artifacts/reliability.json (docs/reliability.md quotes it).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../server/test/support/services.js';
import { getJson } from './support/api.js';
import { runLoad, tally, type Outcome } from './support/load.js';
import { PrivatePostgres, PrivateRedis } from './support/private-services.js';
import { LONG_INDEX, SLOW_ENGINE } from './support/slow-engine.js';
import { Topology } from './topology/topology.js';

const report: Record<string, Record<string, unknown>> = {};
let postgres: PrivatePostgres;
let redis: PrivateRedis;
let topology: Topology;
let db: pg.Pool;
let workDir: string;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([PrivatePostgres.start(), PrivateRedis.start()]);
  workDir = await mkdtemp(join(tmpdir(), 'fibstack-faults-'));
  topology = await new Topology({
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    prefix: 'faults',
    workDir,
    env: { JOB_LOCK_MS: '2000', MAX_INDEX: String(LONG_INDEX), SHUTDOWN_TIMEOUT_MS: '20000', ...SLOW_ENGINE },
  }).start();
  db = new pg.Pool({ connectionString: postgres.url, max: 2 });
  db.on('error', () => {});
});

afterAll(async () => {
  const artifacts = resolve(import.meta.dirname, 'artifacts');
  await mkdir(artifacts, { recursive: true });
  await writeFile(join(artifacts, 'reliability.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('reliability report', JSON.stringify(report, null, 2));
  await db?.end();
  await topology?.stop();
  await Promise.all([postgres?.destroy(), redis?.destroy()]);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const post = (index: number) => ({
  url: `${topology.url}/api/calculations`,
  index,
  init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ index }) },
});
const accepted = (outcomes: Outcome[]) =>
  outcomes.filter((o) => o.index !== undefined && (o.status === 200 || o.status === 202)).map((o) => o.index!);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until every index is done; returns how many are not, and how many were computed more than once. */
async function settle(indexes: number[], timeoutMs = 60_000): Promise<{ completed: number; lost: number; recomputed: number; values: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ index: string; status: string; runs: number }>('SELECT index, status, runs FROM calculations WHERE index = ANY($1)', [indexes]);
    const completed = rows.filter((row) => row.status === 'done').length;
    if (completed === new Set(indexes).size || Date.now() > deadline) {
      const unfinished = rows.filter((row) => row.status !== 'done');
      if (unfinished.length > 0 || rows.length < new Set(indexes).size) console.log('unfinished', rows.length, unfinished.slice(0, 5));
      const { rows: values } = await db.query('SELECT count(*)::int AS n FROM calculation_values WHERE index = ANY($1)', [indexes]);
      return { completed, lost: new Set(indexes).size - completed, recomputed: rows.filter((row) => row.runs > 1).length, values: values[0].n };
    }
    await sleep(200);
  }
}

/**
 * Stops a dependency for about 1.5 s while 8 clients submit new indexes, then restarts it. Checks that
 * during the outage every answer was a 503 with Retry-After, that readiness failed naming the dependency
 * (`check`) down and liveness held,
 * that submissions are accepted again after it, and that every accepted one completes.
 */
async function outageUnderLoad(dependency: { stop(): Promise<void>; restart(): Promise<void> }, check: 'queue' | 'database', firstIndex: number, name: string) {
  const api = topology.apis[0]!;
  const clients = 8;
  const stop = new AbortController();
  const outcomes: Outcome[] = [];
  const load = runLoad({ clients, durationMs: 60_000, stop: stop.signal, request: (n) => post(firstIndex + n), outcomes });
  // Under way when the dependency goes: submissions accepted, a few a client.
  await eventually(() => (accepted(outcomes).length >= 4 * clients ? true : undefined), 30_000);
  await dependency.stop();
  const downAt = Date.now();
  // Readiness fails at its next check; the probes are compared once the dependency is back.
  const readiness = async () => {
    const response = await fetch(`${api.url}/api/ready`);
    return { ready: response.status, readyChecks: (await response.json()).checks };
  };
  const ready = await eventually(async () => {
    const probe = await readiness();
    return probe.ready === 503 ? probe : undefined;
  }).catch(readiness);
  const probes = { ...ready, health: (await fetch(`${api.url}/api/health`)).status };
  // Down for 1.5 s in all: a refusal as slow as 1 s (the bound below) still ends within the outage, among
  // those it counts.
  await sleep(Math.max(0, downAt + 1_500 - Date.now()));
  const restartingAt = Date.now();
  await dependency.restart();
  const upAt = Date.now();
  // Until submissions are accepted again, as many as there are clients (checked below).
  await eventually(() => (accepted(outcomes.filter((o) => o.at > upAt)).length >= clients ? true : undefined), 30_000).catch(() => {});
  stop.abort();
  await load;

  const during = outcomes.filter((o) => o.at > downAt + 100 && o.at + o.ms < restartingAt);
  expect(during.length).toBeGreaterThan(0);
  expect(during.filter((o) => o.status !== 503 || o.retryAfter === null)).toEqual([]);
  const other = check === 'queue' ? 'database' : 'queue';
  expect(probes).toEqual({ ready: 503, readyChecks: { [check]: 'down', [other]: 'up' }, health: 200 });
  const okAfter = outcomes.find((o) => o.at > upAt && (o.status === 202 || o.status === 200));
  expect(okAfter).toBeDefined();

  const indexes = accepted(outcomes);
  const result = await settle(indexes);
  expect(result.lost).toBe(0);
  report[name] = {
    submitted: outcomes.length,
    accepted: indexes.length,
    ...result,
    refusedDuringOutage: during.length,
    slowestRefusalMs: Math.max(...during.map((o) => o.ms)),
    firstAcceptedAfterRestartMs: okAfter!.at - upAt,
    statuses: tally(outcomes),
  };
  return { during, outcomes };
}

describe('faults', () => {
  it('a worker killed mid-calculation: another worker finishes it, one result stored', async () => {
    // One worker only, so the calculation is known to be on it.
    const [first, second] = topology.workers;
    await second!.stop('SIGTERM');
    topology.workers.splice(topology.workers.indexOf(second!), 1);
    const index = LONG_INDEX;
    await fetch(post(index).url, post(index).init);
    await expect.poll(async () => (await getJson(`${topology.url}/api/calculations/${index}`)).status, { timeout: 10_000, interval: 20 }).toBe('running');

    await first!.stop('SIGKILL');
    const killedAt = Date.now();
    topology.workers.splice(topology.workers.indexOf(first!), 1);
    await topology.startServer('worker');
    await expect.poll(async () => (await getJson(`${topology.url}/api/calculations/${index}`)).status, { timeout: 60_000, interval: 50 }).toBe('done');
    const recoveryMs = Date.now() - killedAt;

    const { rows } = await db.query(
      'SELECT c.runs, c.digits::int, v.bytes IS NOT NULL AS stored FROM calculations c JOIN calculation_values v USING (index) WHERE index = $1',
      [index],
    );
    expect(rows).toEqual([{ runs: 2, digits: 4_179_753, stored: true }]);
    await topology.startServer('worker');
    report.workerKilled = { index, recoveryMs, results: rows.length, runs: rows[0].runs, lockMs: 2000 };
  });

  it('Redis restarted empty while submissions stream in: 503 with Retry-After meanwhile, every 2xx completed after', async () => {
    const { during, outcomes } = await outageUnderLoad(redis, 'queue', 10_000, 'redisRestart');
    expect(Math.max(...during.map((o) => o.ms))).toBeLessThan(1_000);
    expect(outcomes.length).toBeGreaterThan(during.length);
    // The schedules of the periodic jobs lived in the Redis that was lost: the workers declared them again.
    const queue = new Queue('calculations', { connection: { url: redis.url }, prefix: 'faults' });
    try {
      const schedulers = async () => (await queue.getJobSchedulers()).map((scheduler) => scheduler.key).sort();
      await eventually(async () => ((await schedulers()).length >= 3 ? true : undefined)).catch(() => {});
      expect(await schedulers()).toEqual(['backup', 'prune', 'reconcile']);
    } finally {
      await queue.close();
    }
  });

  it('Postgres restarted: 503 with Retry-After meanwhile, recovery without restarting any process', async () => {
    const { outcomes } = await outageUnderLoad(postgres, 'database', 20_000, 'postgresRestart');
    expect(outcomes.filter((o) => o.status !== 503 && o.status !== 202 && o.status !== 200)).toEqual([]);
    for (const server of [...topology.apis, ...topology.workers]) expect(server.running).toBe(true);
  });

  it('an api replica killed under load: no errors beyond the requests in flight on it', async () => {
    const clients = 16;
    const stop = new AbortController();
    const outcomes: Outcome[] = [];
    const load = runLoad({
      clients,
      durationMs: 60_000,
      stop: stop.signal,
      request: (n) => (n % 2 ? { url: `${topology.url}/api/calculations?limit=5` } : post(30_000 + n)),
      outcomes,
    });
    // Under way: every client answered, and each with a request in flight again.
    await eventually(() => (outcomes.length >= clients ? true : undefined), 30_000);
    const victim = topology.apis[0]!;
    await victim.stop('SIGKILL');
    const killedAt = Date.now();
    // Then 8 requests a client: were nginx still sending some to the dead replica, about half would
    // fail, far beyond the bound.
    await eventually(() => (outcomes.filter((o) => o.at > killedAt).length >= 8 * clients ? true : undefined), 30_000).catch(() => {});
    stop.abort();
    await load;
    const failed = outcomes.filter((o) => o.status >= 500 || o.status === 0);
    expect(failed.length).toBeLessThanOrEqual(clients);
    const result = await settle(accepted(outcomes));
    expect(result.lost).toBe(0);
    topology.apis.splice(topology.apis.indexOf(victim), 1);
    await topology.startServer('api', Number(new URL(victim.url).port));
    report.apiKilled = { requests: outcomes.length, failed: failed.length, inFlightBound: clients, ...result, statuses: tally(outcomes) };
  });

  it('SIGTERM to every process in turn under load: 0 failed requests, 0 lost or duplicated calculations', async () => {
    let rolling = true;
    const outcomes: Outcome[] = [];
    let next = 40_000;
    const loadLoop = (async () => {
      while (rolling) outcomes.push(...(await runLoad({ clients: 8, durationMs: 1_000, request: () => post(next++) })));
    })();
    const started = Date.now();
    for (const server of [...topology.apis, ...topology.workers]) {
      await sleep(300);
      await topology.replace(server, 'SIGTERM');
    }
    rolling = false;
    await loadLoop;

    const failed = outcomes.filter((o) => o.status !== 200 && o.status !== 202);
    if (failed.length > 0) console.log('failed requests', failed.slice(0, 10));
    expect(tally(failed)).toEqual({});
    const indexes = accepted(outcomes);
    const result = await settle(indexes);
    expect(result).toMatchObject({ lost: 0, recomputed: 0, values: new Set(indexes).size });
    report.rollingRestart = { requests: outcomes.length, failed: failed.length, accepted: indexes.length, ...result, durationMs: Date.now() - started };
  });
});
