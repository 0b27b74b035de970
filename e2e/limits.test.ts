/** nginx's per-client limits, on a topology of its own with a low request rate. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTopology, type TestTopology } from './support/test-topology.js';
import type { Topology } from './topology/topology.js';

describe('limits at the proxy', () => {
  let test: TestTopology;
  let topology: Topology;

  beforeAll(async () => {
    test = await startTestTopology({ apis: 1, workers: 0, nginxRate: '5r/s' });
    topology = test.topology;
  });
  afterAll(() => test?.destroy());

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

  it('holds the admin pages to the API’s rate', async () => {
    // Without credentials: the api answers each 401 and counts none as a wrong password, so every 429 is nginx's.
    const responses = await Promise.all(Array.from({ length: 300 }, (_, i) => fetch(`${topology.url}/admin${i % 2 === 0 ? '' : '/queues/api/queues'}`)));
    await Promise.all(responses.map((response) => response.body?.cancel()));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(50);
    expect(statuses.filter((status) => status !== 429 && status !== 401)).toEqual([]);
  });

  it('answers what nginx refuses itself in the API’s error shape, with a request id', async () => {
    const body = 'Content-Length: 1\r\nConnection: close\r\n\r\nx';
    for (const [request, status, code] of [
      [`GET /api/calculations/% HTTP/1.1\r\n${body}`, 400, 'BAD_REQUEST'],
      [`GET /api/calculations?x=${'1'.repeat(20_000)} HTTP/1.1\r\n${body}`, 414, 'URI_TOO_LONG'],
      [`POST / HTTP/1.1\r\n${body}`, 405, 'METHOD_NOT_ALLOWED'],
      [`GET /api/config HTTP/2.0\r\n${body}`, 505, 'HTTP_VERSION_NOT_SUPPORTED'],
      ['POST /api/calculations HTTP/1.1\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n', 501, 'NOT_IMPLEMENTED'],
    ] as const) {
      const [line, ...rest] = request.split('\r\n');
      const answer = await rawRequest(topology.url, [line, 'Host: localhost', ...rest].join('\r\n'));
      const [headers, body] = answer.split('\r\n\r\n');
      const head = `${headers}\r\n`;
      expect(head, request.slice(0, 30)).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(head, request.slice(0, 30)).toMatch(/\r\nContent-Type: application\/json\r\n/);
      expect(head, request.slice(0, 30)).toMatch(/\r\nX-Request-ID: [0-9a-f]{32}\r\n/);
      expect(JSON.parse(body!), request.slice(0, 30)).toEqual({ error: { code, message: expect.any(String) } });
    }
  });

  it('serves the web client with a strict content security policy', async () => {
    const page = await fetch(`${topology.url}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    await page.arrayBuffer();
  });
});

/** Sends bytes as they are (fetch would refuse them) and reads the answer until nginx closes. */
function rawRequest(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk)).on('error', reject).on('close', () => resolve(Buffer.concat(chunks).toString()));
  });
}
