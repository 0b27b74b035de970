/** nginx's per-client limits, on a topology of its own with a low request rate. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, redisNamespace, redisUrl, type TestDatabase } from '../server/test/support/services.js';
import { Topology } from './topology/topology.js';

describe('limits at the proxy', () => {
  let database: TestDatabase;
  const namespace = redisNamespace();
  let topology: Topology;

  beforeAll(async () => {
    database = await createTestDatabase();
    const workDir = await mkdtemp(join(tmpdir(), 'fibstack-limits-'));
    topology = await new Topology({ databaseUrl: database.url, redisUrl, prefix: namespace.prefix, workDir, apis: 1, workers: 0, nginxRate: '5r/s' }).start();
  });
  afterAll(async () => {
    await topology?.stop();
    await database?.drop();
    await namespace.clean();
  });

  it('answers a client over its request rate with 429, Retry-After and the error shape', async () => {
    const responses = await Promise.all(Array.from({ length: 300 }, () => fetch(`${topology.url}/api/config`)));
    const limited = responses.filter((response) => response.status === 429);
    expect(limited.length).toBeGreaterThan(50);
    expect(responses.filter((response) => response.status === 200).length).toBeGreaterThan(150);
    expect(limited[0]!.headers.get('retry-after')).toBe('1');
    const [first, ...rest] = limited;
    expect(await first!.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
    await Promise.all([...rest, ...responses.filter((response) => response.status !== 429)].map((response) => response.body?.cancel()));
  });

  it('serves the web client with a strict content security policy', async () => {
    const page = await fetch(`${topology.url}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    await page.arrayBuffer();
  });
});
