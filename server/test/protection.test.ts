import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILURE_WINDOW_MS, MAX_FAILURES } from '../src/api/admin-auth.js';
import { parseConfig } from '../src/config.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { silentLogger } from './support/adapters.js';
import { createTestDatabase, redisNamespace, redisUrl, type TestDatabase } from './support/services.js';

const base = { HOST: '127.0.0.1', PORT: '0', WEB_DIR: '/nonexistent', SHUTDOWN_DRAIN_MS: '0' };

/**
 * Api replicas, and no worker (what they queue stays unfinished), on a database and a Redis prefix of
 * their own, for the tests of the enclosing describe.
 */
function apiReplicas(count: number, settings: Record<string, string>): Runtime[] {
  let database: TestDatabase;
  const namespace = redisNamespace();
  const replicas: Runtime[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { ...base, ROLE: 'api', DATABASE_URL: database.url, REDIS_URL: redisUrl, QUEUE_PREFIX: namespace.prefix, ...settings };
    replicas.push(await startRuntime(parseConfig(env), silentLogger));
    while (replicas.length < count) replicas.push(await startRuntime(parseConfig({ ...env, MIGRATE_ON_START: 'false' }), silentLogger));
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await database?.drop();
    await namespace.clean();
  });
  return replicas;
}

describe('rate limit across two api replicas sharing Redis', () => {
  const replicas = apiReplicas(2, { DATABASE_POOL_SIZE: '2', RATE_LIMIT_MAX: '6', ADMIN_PASSWORD: 'admin-password-1' });

  it('counts one client’s requests on every replica, and answers 429 with Retry-After past the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const response = await fetch(`${replicas[i % 2]!.url}/api/calculations`);
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(await response.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
      } else await response.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    expect((await fetch(`${replicas[0]!.url}/api/health`)).status).toBe(200);
    // The queue dashboard's routes answer their own errors: the limit keeps its status there too.
    const dashboard = await fetch(`${replicas[0]!.url}/admin/queues/api/queues`, {
      headers: { authorization: `Basic ${Buffer.from('admin:admin-password-1').toString('base64')}` },
    });
    expect(dashboard.status).toBe(429);
    expect(dashboard.headers.get('retry-after')).toMatch(/^\d+$/);
    await dashboard.arrayBuffer();
  });
});

describe('wrong admin credentials across two api replicas sharing Redis', () => {
  const replicas = apiReplicas(2, { DATABASE_POOL_SIZE: '2', RATE_LIMIT_MAX: '0', TRUST_PROXY: '1', ADMIN_PASSWORD: 'admin-password-1' });
  const stats = (replica: Runtime, client: string, password: string) =>
    fetch(`${replica.url}/api/admin/stats`, {
      headers: { 'x-forwarded-for': client, authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
    });

  it(`refuses a client that sent ${MAX_FAILURES} wrong ones on any replica, the right ones too, and no other client`, async () => {
    for (let i = 0; i < MAX_FAILURES; i++) {
      const refused = await stats(replicas[i % 2]!, '198.51.100.7', `guess-${i}`);
      expect(refused.status).toBe(401);
      await refused.arrayBuffer();
    }
    for (const replica of replicas) {
      const locked = await stats(replica, '198.51.100.7', 'admin-password-1');
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(FAILURE_WINDOW_MS / 1_000 - 60);
      expect(await locked.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/^too many wrong credentials; try again in 1[45] min$/) } });
    }
    // The right credentials are not counted against a client: it signs in as often as it likes.
    for (let i = 0; i < MAX_FAILURES + 2; i++) {
      const other = await stats(replicas[i % 2]!, '203.0.113.9', 'admin-password-1');
      expect(other.status).toBe(200);
      await other.arrayBuffer();
    }
  });

  it('counts no right credentials, those sent at once beside wrong ones too: a page loading many files locks nobody out', async () => {
    const client = '192.0.2.61';
    for (let i = 0; i < MAX_FAILURES - 2; i++) await (await stats(replicas[i % 2]!, client, `typo-${i}`)).arrayBuffer();
    // A page's many requests at once: those past the count wait for a moment, and add nothing.
    for (let burst = 0; burst < 4; burst++) {
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => stats(replicas[i % 2]!, client, 'admin-password-1')));
      await Promise.all(answers.map((answer) => answer.arrayBuffer()));
    }
    const after = await stats(replicas[0]!, client, 'admin-password-1');
    expect(after.status).toBe(200);
    await after.arrayBuffer();
    // The two wrong tries left still count, and then the lock holds.
    const statuses = [];
    for (const password of ['typo-more-1', 'typo-more-2', 'admin-password-1']) {
      const answer = await stats(replicas[1]!, client, password);
      statuses.push(answer.status);
      await answer.arrayBuffer();
    }
    expect(statuses).toEqual([401, 401, 429]);
  });

  it('counts the addresses of one IPv6 /64 as one client', async () => {
    for (let i = 0; i < MAX_FAILURES; i++) {
      const refused = await stats(replicas[0]!, `2001:db8:7:1::${i + 1}`, `guess-${i}`);
      expect(refused.status).toBe(401);
      await refused.arrayBuffer();
    }
    const locked = await stats(replicas[1]!, '2001:db8:7:1::ff', 'admin-password-1');
    expect(locked.status).toBe(429);
    await locked.arrayBuffer();
    const neighbour = await stats(replicas[1]!, '2001:db8:7:2::1', 'admin-password-1');
    expect(neighbour.status).toBe(200);
    await neighbour.arrayBuffer();
  });

  it(`compares no more than ${MAX_FAILURES} of many guesses sent at once`, async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => stats(replicas[i % 2]!, '192.0.2.44', `guess-${i}`)));
    await Promise.all(answers.map((answer) => answer.arrayBuffer()));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(MAX_FAILURES);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40 - MAX_FAILURES);
  });
});

describe('the cap on expensive work one client has unfinished', () => {
  const replicas = apiReplicas(1, { DATABASE_POOL_SIZE: '2', RATE_LIMIT_MAX: '0', EXPENSIVE_INDEX: '1000', MAX_PENDING_PER_CLIENT: '2' });

  const post = (index: number) =>
    fetch(`${replicas[0]!.url}/api/calculations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ index }) });

  it('refuses new expensive work past the cap with 429 and Retry-After, and stores nothing', async () => {
    expect((await post(1_001)).status).toBe(202);
    expect((await post(1_002)).status).toBe(202);
    const refused = await post(1_003);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(await refused.json()).toEqual({ error: { code: 'TOO_MANY_PENDING', message: expect.any(String) } });
    expect((await fetch(`${replicas[0]!.url}/api/calculations/1003`)).status).toBe(404);
    // Work already queued, and cheap work, are still accepted.
    expect((await post(1_001)).status).toBe(202);
    expect((await post(999)).status).toBe(202);
    // So is a summary-only index (above MAX_EXACT_INDEX): it is done at once, never expensive.
    expect((await post(20_000_000)).status).toBe(200);
  });
});

describe('the caps per client, for the addresses of one IPv6 /64', () => {
  // Behind a proxy, which says who the client is.
  const replicas = apiReplicas(1, { DATABASE_POOL_SIZE: '2', TRUST_PROXY: '1', RATE_LIMIT_MAX: '0', EXPENSIVE_INDEX: '1000', MAX_PENDING_PER_CLIENT: '2', EVENT_STREAMS_PER_CLIENT: '2' });

  // One subscriber holds a whole /64, and picks addresses in it at will.
  const from = (address: string) => ({ 'x-forwarded-for': address });

  it('holds unfinished expensive work to the cap, whichever address of the /64 asks', async () => {
    const statuses = [];
    for (const [i, address] of ['2001:db8:9:9::1', '2001:db8:9:9::2', '2001:db8:9:9::3'].entries()) {
      const response = await fetch(`${replicas[0]!.url}/api/calculations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...from(address) },
        body: JSON.stringify({ index: 2_001 + i }),
      });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([202, 202, 429]);
  });

  it('holds open event streams to the cap, whichever address of the /64 opens them', async () => {
    const controller = new AbortController();
    try {
      const open = (address: string) => fetch(`${replicas[0]!.url}/api/events`, { headers: from(address), signal: controller.signal });
      const statuses = [];
      for (const address of ['2001:db8:9:9::11', '2001:db8:9:9::12', '2001:db8:9:9::13', '2001:db8:9:a::1']) statuses.push((await open(address)).status);
      // The last is another /64's.
      expect(statuses).toEqual([200, 200, 429, 200]);
    } finally {
      controller.abort();
    }
  });
});

describe('the digits of new large values one client may ask for per day, across replicas', () => {
  // F(1,000) and F(1,001) have 209 digits each, F(1,002) 210.
  const replicas = apiReplicas(2, { RATE_LIMIT_MAX: '0', EXPENSIVE_INDEX: '1000', MAX_NEW_DIGITS_PER_CLIENT_PER_DAY: '500' });
  const post = (replica: Runtime, index: number) =>
    fetch(`${replica.url}/api/calculations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ index }) });

  it('counts them on every replica, and refuses past them with 429 and the rest of the day', async () => {
    for (const [replica, index] of [[replicas[0]!, 1_000], [replicas[1]!, 1_001]] as const) {
      const accepted = await post(replica, index);
      expect(accepted.status).toBe(202);
      await accepted.arrayBuffer();
    }
    const refused = await post(replicas[0]!, 1_002);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(24 * 3_600 - 60);
    expect(await refused.json()).toEqual({ error: { code: 'QUOTA_EXCEEDED', message: expect.stringContaining('82 left of the 500') } });
  });
});

describe('the daily digits, against requests refused for their request id', () => {
  const replicas = apiReplicas(2, { RATE_LIMIT_MAX: '0', EXPENSIVE_INDEX: '1000', MAX_NEW_DIGITS_PER_CLIENT_PER_DAY: '500' });
  const post = (replica: Runtime, index: number, requestId: string) =>
    fetch(`${replica.url}/api/calculations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ index }),
    });

  it('counts nothing for a request refused with 409 REQUEST_ID_REUSED', async () => {
    const first = await post(replicas[0]!, 1_000, 'quota-reused');
    expect(first.status).toBe(202);
    await first.arrayBuffer();
    // Each would have counted 210 digits: three are more than the 291 left.
    for (const replica of [replicas[0]!, replicas[1]!, replicas[0]!]) {
      const refused = await post(replica, 1_002, 'quota-reused');
      expect(refused.status).toBe(409);
      expect(await refused.json()).toEqual({ error: { code: 'REQUEST_ID_REUSED', message: expect.any(String) } });
    }
    const accepted = await post(replicas[1]!, 1_001, 'quota-new');
    expect(accepted.status).toBe(202);
    await accepted.arrayBuffer();
  });
});

describe('the cap on expensive work, asked for many at once across replicas', () => {
  const replicas = apiReplicas(2, { RATE_LIMIT_MAX: '0', EXPENSIVE_INDEX: '1000', MAX_PENDING_PER_CLIENT: '3' });

  it('accepts no more than the cap, however the requests interleave', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const response = await fetch(`${replicas[i % 2]!.url}/api/calculations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ index: 5_000 + i }),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.filter((status) => status === 202)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(13);
  });
});

describe('protection of the embedded default', () => {
  let runtime: Runtime;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fibstack-protection-'));
    // The embedded default serves the web client itself.
    await mkdir(join(dir, 'web'));
    await writeFile(join(dir, 'web', 'index.html'), '<!doctype html><title>fibstack</title><div id="root"></div>');
    const env = { ...base, DATA_DIR: join(dir, 'data'), WEB_DIR: join(dir, 'web'), RATE_LIMIT_MAX: '3', EVENT_STREAMS_PER_CLIENT: '2', CORS_ORIGINS: 'https://allowed.example' };
    runtime = await startRuntime(parseConfig(env), silentLogger);
  });
  afterAll(async () => {
    await runtime?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends security headers', async () => {
    const response = await fetch(`${runtime.url}/api/health`);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  });

  it('allows only configured origins', async () => {
    const allowed = await fetch(`${runtime.url}/api/health`, { headers: { origin: 'https://allowed.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://allowed.example');
    const other = await fetch(`${runtime.url}/api/health`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('caps the event streams one client holds open', async () => {
    const controller = new AbortController();
    const open = await Promise.all([1, 2].map(() => fetch(`${runtime.url}/api/events`, { signal: controller.signal })));
    expect(open.map((response) => response.status)).toEqual([200, 200]);
    const third = await fetch(`${runtime.url}/api/events`);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    expect(await third.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    controller.abort();
  });

  it('limits requests in process too', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${runtime.url}/api/submissions`);
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    expect(statuses.slice(-2)).toEqual([429, 429]);
    // The same route, however its path is spelled.
    const spelled = await fetch(`${runtime.url}/%61pi/submissions`);
    expect(spelled.status).toBe(429);
    await spelled.arrayBuffer();
    // The API's limit: the page itself still loads, and says what is going on.
    for (const path of ['/', '/history']) {
      const page = await fetch(`${runtime.url}${path}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
    }
  });
});
