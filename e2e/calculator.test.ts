/**
 * The calculator across the real processes: nginx in front of 2 api replicas and 2 workers on Postgres and
 * Redis (started by setup/global.ts).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getJson, postIndex } from './support/api.js';
import { referenceFibonacci } from './support/fibonacci.js';
import { SseClient } from './support/sse.js';

const baseUrl = inject('baseUrl');
const apiUrls = inject('apiUrls');
let db: pg.Client;

beforeAll(async () => {
  db = new pg.Client({ connectionString: inject('databaseUrl') });
  await db.connect();
});
afterAll(() => db.end());

const count = async (sql: string, params: unknown[] = []) => Number((await db.query(sql, params)).rows[0].count);

describe('through nginx with 2 api and 2 worker processes', () => {
  it('computes 200 distinct indexes submitted at once, each exactly once, and every api replica streams every result', async () => {
    const indexes = Array.from({ length: 200 }, (_, i) => 2_000 + i * 7);
    const streams = await Promise.all(apiUrls.map((url) => SseClient.connect(`${url}/api/events`)));
    try {
      const responses = await Promise.all(indexes.map((index) => postIndex(baseUrl, { index })));
      expect(responses.map((response) => response.status).every((status) => status === 202 || status === 200)).toBe(true);
      await Promise.all(responses.map((response) => response.body?.cancel()));

      for (const stream of streams) {
        for (const index of indexes) {
          await stream.waitFor((event) => event.type === 'calculation' && (event.data as any).index === index && (event.data as any).status === 'done', 60_000);
        }
      }

      const rows = (await db.query('SELECT index, status, runs FROM calculations WHERE index = ANY($1)', [indexes])).rows;
      expect(rows).toHaveLength(200);
      expect(rows.every((row) => row.status === 'done' && row.runs === 1)).toBe(true);

      for (const index of indexes.filter((_, i) => i % 20 === 0)) {
        const value = await (await fetch(`${baseUrl}/api/calculations/${index}/value`)).text();
        expect(value).toBe(referenceFibonacci(index).toString());
      }
    } finally {
      await Promise.all(streams.map((stream) => stream.close()));
    }
  });

  it('computes an index submitted many times at once only once', async () => {
    const responses = await Promise.all(Array.from({ length: 30 }, () => postIndex(baseUrl, { index: 4_321 })));
    await Promise.all(responses.map((response) => response.body?.cancel()));
    await expect.poll(() => getJson(`${baseUrl}/api/calculations/4321`).then((c) => c.status), { timeout: 20_000 }).toBe('done');
    expect(await count('SELECT runs AS count FROM calculations WHERE index = 4321')).toBe(1);
    expect(await count('SELECT count(*) FROM submissions WHERE index = 4321')).toBe(30);
  });

  it('refuses bad input with the error shape and stores nothing', async () => {
    // Each request under an id of its own, so that what it stored can be looked for beside other tests' writes.
    const requestIds: string[] = [];
    const bad: Array<[string, string, number]> = [
      ['{"index":"abc"}', 'application/json', 400],
      ['{"index":-5}', 'application/json', 400],
      ['{"index":2.5}', 'application/json', 400],
      ['{"index":99999999}', 'application/json', 400],
      ['{"index":', 'application/json', 400],
      ['index=5', 'text/plain', 415],
      [`{"index":1,"x":"${'a'.repeat(4_000)}"}`, 'application/json', 413],
      [`{"index":1,"x":"${'a'.repeat(40_000)}"}`, 'application/json', 413],
    ];
    for (const [i, [body, contentType, status]] of bad.entries()) {
      const requestId = `bad-input-${i}-${Date.now()}`;
      requestIds.push(requestId);
      const response = await fetch(`${baseUrl}/api/calculations`, { method: 'POST', headers: { 'content-type': contentType, 'x-request-id': requestId }, body });
      expect(response.status, body.slice(0, 30)).toBe(status);
      expect(await response.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    for (const api of apiUrls) expect((await getJson(`${api}/api/health`)).status).toBe('ok');
    expect(await count('SELECT count(*) FROM submissions WHERE request_id = ANY($1)', [requestIds])).toBe(0);
  });

  it('serves the web client with a fallback for client-side routes, and passes request ids through', async () => {
    const page = await fetch(`${baseUrl}/some/client/route`);
    expect(page.status).toBe(200);
    const shell = await page.text();
    expect(shell).toContain('<div id="root">');
    // Its hashed assets: kept a year, and never sniffed as another type.
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(shell)![1]!;
    const asset = await fetch(`${baseUrl}${script}`);
    await asset.arrayBuffer();
    expect([asset.headers.get('cache-control'), asset.headers.get('x-content-type-options')]).toEqual(['public, max-age=31536000, immutable', 'nosniff']);
    const api = await fetch(`${baseUrl}/api/health`);
    expect(api.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    // A client's own id, where the API would take it, goes through; any other is replaced.
    const mine = `trace-${Date.now()}.1`;
    expect((await fetch(`${baseUrl}/api/health`, { headers: { 'x-request-id': mine } })).headers.get('x-request-id')).toBe(mine);
    for (const unfit of ['a'.repeat(65), 'has space', 'semi;colon']) {
      const answer = await fetch(`${baseUrl}/api/health`, { headers: { 'x-request-id': unfit } });
      expect(answer.headers.get('x-request-id'), unfit).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('records a POST a client sends twice under its own request id once, through the proxy', async () => {
    const requestId = `retry-${Date.now()}`;
    const post = () =>
      fetch(`${baseUrl}/api/calculations`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': requestId }, body: '{"index":2718}' });
    expect((await post()).status).toBe(202);
    // Answered as any POST of a known index is: 200 once it is done, 202 before.
    const again = await post();
    expect([200, 202]).toContain(again.status);
    expect(await again.json()).toMatchObject({ index: 2718 });
    expect(await count('SELECT count(*) FROM submissions WHERE request_id = $1', [requestId])).toBe(1);
  });
});
