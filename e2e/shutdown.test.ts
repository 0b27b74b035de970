/** SIGTERM and SIGINT stop each role gracefully: in-flight work finishes, streams end, the process exits 0. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postIndex } from './support/api.js';
import { LONG_INDEX, SLOW_ENGINE } from './support/slow-engine.js';
import { SseClient } from './support/sse.js';
import { startTestTopology, type TestTopology } from './support/test-topology.js';
import type { Topology } from './topology/topology.js';

describe('graceful shutdown on SIGTERM', () => {
  let test: TestTopology;
  let topology: Topology;

  beforeAll(async () => {
    test = await startTestTopology({ apis: 1, workers: 1, env: SLOW_ENGINE });
    topology = test.topology;
  });
  afterAll(() => test?.destroy());

  it('a worker finishes the calculation it is running, then exits 0', async () => {
    const [worker] = topology.workers;
    expect((await postIndex(topology.url, { index: LONG_INDEX })).status).toBe(202);
    await expect.poll(async () => (await getJson(`${topology.url}/api/calculations/${LONG_INDEX}`)).status, { timeout: 10_000 }).toBe('running');
    expect(await worker!.stop('SIGTERM')).toBe(0);

    const client = new pg.Client({ connectionString: test.databaseUrl });
    await client.connect();
    const { rows } = await client.query('SELECT status, runs FROM calculations WHERE index = $1', [LONG_INDEX]);
    await client.end();
    expect(rows[0]).toEqual({ status: 'done', runs: 1 });
  });

  it('an api replica drains: fails readiness, ends its event streams, refuses new ones, still answers, then exits 0', async () => {
    const [api] = topology.apis;
    const stream = await SseClient.connect(`${api!.url}/api/events`);
    const started = Date.now();
    const exited = api!.stop('SIGTERM');
    await expect.poll(async () => (await fetch(`${api!.url}/api/ready`)).status, { timeout: 2_000, interval: 50 }).toBe(503);
    const answer = await fetch(`${api!.url}/api/calculations?limit=1`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('connection')).toBe('close');
    await answer.arrayBuffer();
    // A browser reconnecting now is sent elsewhere: a stream opened here would keep the process alive.
    const reconnect = await fetch(`${api!.url}/api/events`);
    expect(reconnect.status).toBe(503);
    expect(await reconnect.json()).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    await stream.close();
  });

  it('Ctrl-C (SIGINT) stops an api at once, without the drain, and it exits 0', async () => {
    const api = await topology.startServer('api');
    const started = Date.now();
    expect(await api.stop('SIGINT')).toBe(0);
    // With the drain it could not exit sooner than SHUTDOWN_DRAIN_MS (3.5 s in the test topology).
    expect(Date.now() - started).toBeLessThan(3_500);
  });
});
