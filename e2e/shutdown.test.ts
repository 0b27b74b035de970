/** SIGTERM stops each role gracefully: in-flight work finishes, streams end, the process exits 0. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, redisNamespace, redisUrl, type TestDatabase } from '../server/test/support/services.js';
import { getJson, postIndex } from './support/api.js';
import { SseClient } from './support/sse.js';
import { Topology } from './topology/topology.js';

describe('graceful shutdown on SIGTERM', () => {
  let database: TestDatabase;
  const namespace = redisNamespace();
  let topology: Topology;

  beforeAll(async () => {
    database = await createTestDatabase();
    const workDir = await mkdtemp(join(tmpdir(), 'fibstack-shutdown-'));
    topology = await new Topology({ databaseUrl: database.url, redisUrl, prefix: namespace.prefix, workDir, apis: 1, workers: 1 }).start();
  });
  afterAll(async () => {
    await topology?.stop();
    await database?.drop();
    await namespace.clean();
  });

  it('a worker finishes the calculation it is running, then exits 0', async () => {
    const [worker] = topology.workers;
    expect((await postIndex(topology.url, { index: 1_000_000 })).status).toBe(202);
    await expect.poll(async () => (await getJson(`${topology.url}/api/calculations/1000000`)).status, { timeout: 10_000 }).toBe('running');
    expect(await worker!.stop('SIGTERM')).toBe(0);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query('SELECT status, runs FROM calculations WHERE index = 1000000');
    await client.end();
    expect(rows[0]).toEqual({ status: 'done', runs: 1 });
  });

  it('an api replica drains: fails readiness, ends its event streams, still answers, then exits 0', async () => {
    const [api] = topology.apis;
    const stream = await SseClient.connect(`${api!.url}/api/events`);
    const started = Date.now();
    const exited = api!.stop('SIGTERM');
    await expect.poll(async () => (await fetch(`${api!.url}/api/ready`)).status, { timeout: 2_000, interval: 50 }).toBe(503);
    const answer = await fetch(`${api!.url}/api/calculations?limit=1`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('connection')).toBe('close');
    await answer.arrayBuffer();
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    await stream.close();
  });
});
