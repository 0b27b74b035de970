import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { fibonacci } from '../src/fib/fibonacci.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { silentLogger } from './support/adapters.js';
import { createTestDatabase, eventually, redisNamespace, redisUrl, type TestDatabase } from './support/services.js';

const MAX_INDEX = 100_000;
const MAX_EXACT_INDEX = 50_000;
/** Submitted alone, each in a transaction of its own; below it, in batches. */
const EXPENSIVE_INDEX = 49_000;

interface Mode {
  env(): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

const modes: Record<string, () => Mode> = {
  embedded: () => {
    let dir = '';
    return {
      env: async () => ({ DATA_DIR: (dir = await mkdtemp(join(tmpdir(), 'fibstack-'))) }),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
  distributed: () => {
    let database: TestDatabase;
    const namespace = redisNamespace();
    return {
      env: async () => {
        database = await createTestDatabase();
        return { DATABASE_URL: database.url, DATABASE_POOL_SIZE: '4', REDIS_URL: redisUrl, QUEUE_PREFIX: namespace.prefix };
      },
      cleanup: async () => {
        await database.drop();
        await namespace.clean();
      },
    };
  },
};

describe.each(Object.keys(modes))('HTTP API, %s', (name) => {
  const mode = modes[name]!();
  let runtime: Runtime;
  let base: string;

  const post = (body: string, contentType = 'application/json') =>
    fetch(`${base}/api/calculations`, { method: 'POST', headers: { 'content-type': contentType }, body });
  // Response shapes are what the assertions check.
  const read = async (response: Response): Promise<any> => response.json();
  const json = async (path: string): Promise<any> => (await fetch(`${base}${path}`)).json();
  const done = (index: number) =>
    eventually(async () => {
      const calculation = await json(`/api/calculations/${index}`);
      return calculation.status === 'done' ? calculation : undefined;
    });

  beforeAll(async () => {
    const config = parseConfig({
      ...(await mode.env()),
      PORT: '0',
      HOST: '127.0.0.1',
      SHUTDOWN_DRAIN_MS: '0',
      RATE_LIMIT_MAX: '0',
      MAX_INDEX: String(MAX_INDEX),
      MAX_EXACT_INDEX: String(MAX_EXACT_INDEX),
      EXPENSIVE_INDEX: String(EXPENSIVE_INDEX),
      WEB_DIR: '/nonexistent',
    });
    runtime = await startRuntime(config, silentLogger);
    base = runtime.url;
  });
  afterAll(async () => {
    await runtime?.stop();
    await mode.cleanup();
  });

  it('queues a new index with 202, computes it, and answers 200 once done', async () => {
    const response = await post('{"index": 90}');
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ index: 90, status: expect.stringMatching(/queued|running|done/) });
    const calculation = await done(90);
    expect(calculation).toMatchObject({ digits: 19, head: '2880067194370816120', tail: '2880067194370816120', error: null });
    expect(calculation.durationMs).toBeGreaterThanOrEqual(0);
    const again = await post('{"index": 90}');
    expect(again.status).toBe(200);
    expect((await read(again)).status).toBe('done');
  });

  it('streams the exact decimal value, and answers 404 for the value of an index never requested', async () => {
    await post('{"index": 1000}');
    await done(1000);
    const response = await fetch(`${base}/api/calculations/1000/value`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const value = await response.text();
    expect(value).toHaveLength(209);
    expect(value.startsWith('43466557686937456435688527675040625802564660517371780402481729089536555417949051890403879840079255169295922593080322634775209689623239873322471161642996440906533187938298969649928516003704476137795166849228875')).toBe(true);
    const missing = await fetch(`${base}/api/calculations/999/value`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it('converts a large value to decimal on its first download only, and serves it whole', async () => {
    const response = await post('{"index": 48000}');
    // The summary is there from the start, before any computing.
    expect(await response.json()).toMatchObject({ exact: true, digits: 10_032, head: '11408984676080243472', tail: '15243684107356736000' });
    await done(48_000);
    const expected = fibonacci(48_000).toString();
    for (let download = 0; download < 2; download++) {
      const value = await fetch(`${base}/api/calculations/48000/value`);
      expect(value.headers.get('content-length')).toBe('10032');
      expect(await value.text()).toBe(expected);
    }
  });

  it('keeps only the summary above the exact limit, done at once', async () => {
    const response = await post(`{"index": ${MAX_INDEX}}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'done',
      exact: false,
      digits: 20_899,
      head: '25974069347221724166',
      tail: '49895374653428746875',
    });
    const value = await fetch(`${base}/api/calculations/${MAX_INDEX}/value`);
    expect(value.status).toBe(404);
    expect(await value.json()).toEqual({ error: { code: 'NO_EXACT_VALUE', message: expect.any(String) } });
  });

  it('answers F(0) = 0 and F(1) = 1', async () => {
    await post('{"index": 0}');
    await post('{"index": 1}');
    expect((await done(0)).head).toBe('0');
    expect((await done(1)).head).toBe('1');
  });

  it.each([
    ['{}', 400, 'INDEX_REQUIRED'],
    ['{"index": "abc"}', 400, 'INDEX_NOT_INTEGER'],
    ['{"index": "10"}', 400, 'INDEX_NOT_INTEGER'],
    ['{"index": 1.5}', 400, 'INDEX_NOT_INTEGER'],
    ['{"index": true}', 400, 'INDEX_NOT_INTEGER'],
    ['{"index": null}', 400, 'INDEX_NOT_INTEGER'],
    ['{"index": 1e400}', 400, 'INDEX_TOO_LARGE'],
    ['{"index": -1e400}', 400, 'INDEX_NEGATIVE'],
    // A byte order mark, which JSON parsers skip, in front of a number read again as written.
    ['\uFEFF{"index": 2.0000000000000001}', 400, 'INDEX_NOT_INTEGER'],
    ['{"index": 1e-400}', 400, 'INDEX_NOT_INTEGER'],
    ['{"index": 2.0000000000000001}', 400, 'INDEX_NOT_INTEGER'],
    ['{"index": -1}', 400, 'INDEX_NEGATIVE'],
    [`{"index": ${MAX_INDEX + 1}}`, 400, 'INDEX_TOO_LARGE'],
    ['{"index": 123456789012345678901234567890}', 400, 'INDEX_TOO_LARGE'],
    ['[10]', 400, 'INVALID_BODY'],
    ['10', 400, 'INVALID_BODY'],
    ['{"index": 10', 400, 'INVALID_BODY'],
    ['', 400, 'INVALID_BODY'],
    ['{"__proto__": {"index": 10}}', 400, 'INVALID_BODY'],
    [`{"index": 10, "pad": "${'x'.repeat(2_000)}"}`, 413, 'PAYLOAD_TOO_LARGE'],
  ])('refuses %s with %i %s and stores nothing', async (body, status, code) => {
    const before = await json('/api/submissions?limit=1');
    const response = await post(body);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: { code, message: expect.any(String) } });
    expect(await json('/api/submissions?limit=1')).toEqual(before);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await post('index=10', 'application/x-www-form-urlencoded');
    expect(response.status).toBe(415);
    expect((await read(response)).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses bad query parameters and unknown routes with the error shape', async () => {
    for (const [path, status, code] of [
      ['/api/calculations?limit=0', 400, 'INVALID_QUERY'],
      ['/api/calculations?limit=101', 400, 'INVALID_QUERY'],
      ['/api/calculations?cursor=abc', 400, 'INVALID_QUERY'],
      ['/api/calculations/abc', 400, 'INVALID_QUERY'],
      ['/api/calculations/-1', 400, 'INVALID_QUERY'],
      [`/api/calculations/${'9'.repeat(17)}`, 400, 'INDEX_TOO_LARGE'],
      ['/api/calculations/77777', 404, 'NOT_FOUND'],
      ['/api/nothing-here', 404, 'NOT_FOUND'],
      // Refused by the router before any route: a bad percent-encoding, a parameter over its length.
      ['/api/calculations/%', 400, 'BAD_REQUEST'],
      [`/api/calculations/${'1'.repeat(200)}`, 414, 'URI_TOO_LONG'],
    ] as const) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(status);
      expect((await read(response)).error.code, path).toBe(code);
    }
  });

  it('answers a request to no route with 404, whatever its body', async () => {
    for (const [method, path, body] of [
      ['POST', '/api/nothing-here', '{bad'],
      ['DELETE', '/api/calculations', '{"index": 10}'],
      ['PUT', '/api/calculations/10', `{"pad": "${'x'.repeat(2_000)}"}`],
    ] as const) {
      const response = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect((await read(response)).error.code, `${method} ${path}`).toBe('NOT_FOUND');
    }
  });

  it('answers what the HTTP parser refuses in the same shape, and closes the connection', async () => {
    const { port } = new URL(base);
    const answer = await rawRequest(Number(port), 'FOO /api/calculations HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toMatch(/\r\nconnection: close\r\n/);
    expect(answer).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
    expect(JSON.parse(answer.split('\r\n\r\n')[1]!)).toEqual({ error: { code: 'BAD_REQUEST', message: 'the request is malformed' } });
  });

  it('opens an event stream with the browser’s reconnection delay and a ready event', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/api/events`, { signal: controller.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    controller.abort();
    expect(text.split('\n\n')[0]).toBe('retry: 2000\nevent: ready\ndata: {}');
  });

  it('answers HEAD /api/events with a stream’s headers, at once', async () => {
    const response = await fetch(`${base}/api/events`, { method: 'HEAD', signal: AbortSignal.timeout(5_000) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
  });

  it('pages calculations and submissions newest first', async () => {
    for (const index of [20, 21, 22, 23, 24]) await post(`{"index": ${index}}`);
    const first = await json('/api/calculations?limit=2');
    expect(first.items.map((c: { index: number }) => c.index)).toEqual([24, 23]);
    const second = await json(`/api/calculations?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((c: { index: number }) => c.index)).toEqual([22, 21]);
    const submissions = await json('/api/submissions?limit=3');
    expect(submissions.items.map((s: { index: number }) => s.index)).toEqual([24, 23, 22]);
    expect(submissions.nextCursor).toEqual(expect.any(String));
  });

  it('records a request sent twice with the same request id once', async () => {
    const send = () =>
      fetch(`${base}/api/calculations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': `retry-${name}` },
        body: '{"index": 31}',
      });
    const [first, second] = [await send(), await send()];
    expect([first.status, second.status].every((status) => status === 200 || status === 202)).toBe(true);
    expect(second.headers.get('x-request-id')).toBe(`retry-${name}`);
    const submissions = await json('/api/submissions?limit=100');
    expect(submissions.items.filter((s: { index: number }) => s.index === 31)).toHaveLength(1);
  });

  it('refuses a request id sent again with another index, recording nothing for it', async () => {
    const send = (index: number, requestId: string) =>
      fetch(`${base}/api/calculations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ index }),
      });
    // A cheap index, batched; and an expensive one, alone.
    for (const [first, other] of [[33, 34], [35, EXPENSIVE_INDEX + 1]] as const) {
      const requestId = `reused-${name}-${first}`;
      expect([200, 202]).toContain((await send(first, requestId)).status);
      const refused = await send(other, requestId);
      expect(refused.status).toBe(409);
      expect(await read(refused)).toEqual({ error: { code: 'REQUEST_ID_REUSED', message: expect.stringContaining(`index ${first}`) } });
      expect((await fetch(`${base}/api/calculations/${other}`)).status).toBe(404);
    }
    const submissions = await json('/api/submissions?limit=100');
    expect(submissions.items.map((s: { index: number }) => s.index)).not.toContain(34);
    expect(submissions.items.map((s: { index: number }) => s.index)).not.toContain(EXPENSIVE_INDEX + 1);
  });

  it('lets nobody into the admin routes when no ADMIN_PASSWORD is set, whatever the credentials', async () => {
    const paths = ['/admin', '/api/admin/stats', '/metrics', ...(name === 'distributed' ? ['/admin/queues'] : [])];
    for (const path of paths) {
      for (const authorization of [undefined, `Basic ${Buffer.from('admin:').toString('base64')}`]) {
        const response = await fetch(`${base}${path}`, { headers: authorization ? { authorization } : {} });
        expect(response.status, `${path} ${authorization ?? ''}`).toBe(401);
        expect(await read(response)).toEqual({ error: { code: 'UNAUTHORIZED', message: 'credentials required' } });
      }
    }
  });

  it('keeps the original app’s API', async () => {
    const response = await fetch(`${base}/api/values`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"index": 12}' });
    expect(await response.json()).toEqual({ working: true });
    await done(12);
    expect(await json('/api/values/all')).toContainEqual({ number: 12 });
    expect((await json('/api/values/current'))['12']).toBe('144');
  });

  it('reports health, readiness and the client configuration', async () => {
    expect(await json('/api/health')).toEqual({ status: 'ok' });
    expect(await json('/api/ready')).toEqual({ status: 'ready', checks: { database: 'up', queue: 'up' } });
    expect(await json('/api/config')).toEqual({ maxIndex: MAX_INDEX, maxExactIndex: MAX_EXACT_INDEX });
  });
});

/** Sends bytes as they are (fetch would refuse them) and reads the answer until the server closes. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk)).on('error', reject).on('close', () => resolve(Buffer.concat(chunks).toString()));
  });
}
