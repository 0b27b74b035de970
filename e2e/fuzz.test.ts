/**
 * Property-based fuzzing of the HTTP surface through nginx: 10,000 generated requests — malformed JSON,
 * wrong content types, huge numbers, unicode, prototype keys, long queries and headers, odd paths and
 * methods. No answer may be a 5xx, no process may die, API errors keep their documented shape, and only
 * accepted submissions are stored.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const baseUrl = inject('baseUrl');
const RUNS = 10_000;
const CONCURRENCY = 16;
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const weird = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '..', '%00', '%2e%2e', '😀', 'null', '-0', 'NaN', '1e999'),
  fc.string({ maxLength: 3_000 }),
);

const index = fc.oneof(
  // Valid indexes stay clear of the ranges other end-to-end tests watch (from 2,000 up).
  fc.integer({ min: 100, max: 1_500 }).map(String),
  fc.integer({ min: -1_000_000, max: -1 }).map(String),
  fc.constantFrom('1000001', '9007199254740993', '1e308', '1e999', '-0', '0.5', '1.0e2', '12345678901234567890123456789'),
  fc.double().map((value) => (Number.isFinite(value) ? String(value) : '0')),
  weird.map((value) => JSON.stringify(value)),
  fc.constantFrom('null', 'true', 'false', '[]', '{}', '[1]', '{"index":1}'),
);

const jsonBody = fc.oneof(
  index.map((value) => `{"index":${value}}`),
  fc.tuple(index, weird).map(([value, key]) => `{"index":${value},${JSON.stringify(key)}:1}`),
  fc.constantFrom('{"__proto__":{"index":1}}', '{"constructor":{"prototype":{"index":1}}}', '{"index":1,"index":"x"}'),
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '{"index":', '{"index":1', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[', `{"index":"${'9'.repeat(5_000)}"}`),
);

const path = fc.oneof(
  fc.constantFrom('/api/calculations', '/api/values', '/api/submissions', '/api/values/all', '/api/values/current', '/api/health', '/api/ready', '/api/config'),
  index.map((value) => `/api/calculations/${encodeURIComponent(value)}`),
  index.map((value) => `/api/calculations/${encodeURIComponent(value)}/value`),
  fc.tuple(fc.constantFrom('/api/calculations', '/api/submissions'), weird, weird).map(([route, limit, cursor]) => `${route}?limit=${encodeURIComponent(limit)}&cursor=${encodeURIComponent(cursor)}`),
  weird.map((segment) => `/api/${encodeURIComponent(segment)}`),
  weird.map((segment) => `/${encodeURIComponent(segment)}`),
  fc.constantFrom('/api/../etc/passwd', '/api/%2e%2e/%2e%2e/', '/api//calculations', `/api/calculations?${'a=1&'.repeat(500)}`, '/index.html', '/assets/none.js'),
);

const request: fc.Arbitrary<FuzzRequest> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
  path,
  headers: fc.record(
    {
      'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/xml', 'garbage/😀'.replace('😀', 'x')),
      'x-request-id': fc.oneof(fc.string({ maxLength: 80 }).map((value) => value.replace(/[^\x20-\x7e]/g, '')), fc.constant('../../etc')),
      'x-fuzz': fc.string({ minLength: 0, maxLength: 6_000 }).map((value) => value.replace(/[^\x20-\x7e]/g, 'a')),
    },
    { requiredKeys: [] },
  ),
  body: fc.option(jsonBody, { nil: undefined }),
});

describe('fuzzing the HTTP surface', () => {
  let db: pg.Client;
  beforeAll(async () => {
    db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
  });
  afterAll(() => db.end());

  it(`answers ${RUNS} generated requests without a 5xx, a crash, or a stray write (seed ${seed})`, async () => {
    const samples = fc.sample(request, { numRuns: RUNS, seed });
    const problems: string[] = [];
    // The request id of every write, as nginx or the API answered it: other test files write beside this
    // one, so what was stored is told by these ids, not by counting the table.
    const accepted = new Set<string>();
    const refused = new Set<string>();
    let next = 0;
    const statuses: Record<number, number> = {};

    const send = async ({ method, path, headers, body }: FuzzRequest) => {
      const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
      const response = await fetch(`${baseUrl}${path}`, { method, headers, body: hasBody ? body : undefined, signal: AbortSignal.timeout(15_000) });
      const text = await response.text();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      const label = `${method} ${path.slice(0, 80)} ${body?.slice(0, 60) ?? ''} → ${response.status}`;
      if (response.status >= 500) problems.push(`5xx: ${label} ${text.slice(0, 200)}`);
      const isApi = new URL(response.url).pathname.startsWith('/api/');
      if (isApi && response.status >= 400 && method !== 'HEAD') {
        let shape: unknown;
        try {
          shape = JSON.parse(text);
        } catch {
          shape = text.slice(0, 100);
        }
        const error = (shape as { error?: { code?: unknown; message?: unknown } })?.error;
        if (typeof error?.code !== 'string' || typeof error?.message !== 'string') problems.push(`shape: ${label} ${JSON.stringify(shape)}`);
      }
      const writes = method === 'POST' && /^\/api\/(calculations|values)\/?(\?|$)/.test(path);
      const requestId = response.headers.get('x-request-id');
      if (writes && requestId === null) problems.push(`no request id: ${label}`);
      else if (writes) (response.status < 300 ? accepted : refused).add(requestId!);
    };

    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < samples.length) await send(samples[next++]!);
      }),
    );

    console.log(`fuzz seed ${seed}: statuses`, statuses, `accepted writes ${accepted.size}`);
    expect(problems.slice(0, 20)).toEqual([]);
    for (const url of [...inject('apiUrls'), ...inject('workerUrls')]) expect((await fetch(`${url}/api/health`)).status).toBe(200);
    // Each accepted write recorded once; no refused one recorded (unless the same id was also accepted).
    const { rows } = await db.query<{ request_id: string }>('SELECT request_id FROM submissions WHERE request_id = ANY($1)', [[...accepted, ...refused]]);
    const recorded = rows.map((row) => row.request_id);
    expect(recorded.filter((id) => !accepted.has(id))).toEqual([]);
    expect(new Set(recorded).size).toBe(recorded.length);
    expect(recorded.length).toBe(accepted.size);
  });
});
