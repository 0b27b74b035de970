import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { silentLogger } from './support/adapters.js';
import { createTestDatabase, eventually, redisNamespace, redisUrl, type TestDatabase } from './support/services.js';

const base = { HOST: '127.0.0.1', PORT: '0', WEB_DIR: '/nonexistent', SHUTDOWN_DRAIN_MS: '0', RATE_LIMIT_MAX: '0' };

/** The first pages of the lists come from memory; these tests show no reader is left behind a change. */
describe('lists answered from memory, across replicas', () => {
  let database: TestDatabase;
  const namespace = redisNamespace();
  let first: Runtime;
  let second: Runtime;
  let worker: Runtime;
  let db: pg.Pool;

  const json = async (runtime: Runtime, path: string): Promise<any> => (await fetch(`${runtime.url}${path}`)).json();
  const indexes = async (runtime: Runtime, path: string): Promise<number[]> =>
    (await json(runtime, path)).items.map((item: { index: number }) => item.index);
  const post = (runtime: Runtime, index: number) =>
    fetch(`${runtime.url}/api/calculations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ index }) });

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { ...base, DATABASE_URL: database.url, DATABASE_POOL_SIZE: '2', REDIS_URL: redisUrl, QUEUE_PREFIX: namespace.prefix };
    // Kept for a minute: only the event bus can make a replica read afresh within these tests.
    first = await startRuntime(parseConfig({ ...env, ROLE: 'api', LIST_CACHE_MS: '60000' }), silentLogger);
    second = await startRuntime(parseConfig({ ...env, ROLE: 'api', LIST_CACHE_MS: '60000', MIGRATE_ON_START: 'false' }), silentLogger);
    worker = await startRuntime(parseConfig({ ...env, ROLE: 'worker', MIGRATE_ON_START: 'false' }), silentLogger);
    db = new pg.Pool({ connectionString: database.url, max: 1 });
    // pg's end() resolves before its connections close, and the forced drop in afterAll may end one
    // first: the pool re-emits that error, and unheard it would throw.
    db.on('error', () => {});
  });
  afterAll(async () => {
    await Promise.all([first, second, worker].map((runtime) => runtime?.stop()));
    await db?.end();
    await database?.drop();
    await namespace.clean();
  });

  it('shows a submission on the replica that took it at once, and on the other when the event arrives', async () => {
    // Both replicas hold their first pages in memory.
    for (const runtime of [first, second]) {
      expect(await indexes(runtime, '/api/calculations')).toEqual([]);
      expect(await indexes(runtime, '/api/submissions')).toEqual([]);
    }
    expect((await post(first, 10)).status).toBeLessThan(300);
    expect(await indexes(first, '/api/submissions')).toEqual([10]);
    expect(await indexes(first, '/api/calculations')).toEqual([10]);
    await eventually(async () => ((await indexes(second, '/api/submissions')).includes(10) ? true : undefined));
    expect(await indexes(second, '/api/calculations')).toEqual([10]);
  });

  it('follows a calculation to done on both replicas', async () => {
    await post(second, 20);
    for (const runtime of [first, second]) {
      await eventually(async () => {
        const items: Array<{ index: number; status: string }> = (await json(runtime, '/api/calculations')).items;
        return items.some((item) => item.index === 20 && item.status === 'done') || undefined;
      });
      expect((await json(runtime, '/api/values/current'))['20']).toBe('6765');
    }
  });

  it('reads the pages after the first from the database every time', async () => {
    const { items, nextCursor } = await json(first, '/api/calculations?limit=1');
    expect(items[0].index).toBe(20);
    await db.query(`UPDATE calculations SET tail = '12345' WHERE index = 10`);
    const next = await json(first, `/api/calculations?limit=1&cursor=${nextCursor}`);
    expect(next.items).toEqual([expect.objectContaining({ index: 10, tail: '12345' })]);
  });
});
