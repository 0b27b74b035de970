/**
 * A submission whose record committed while Redis was away is refused (503), and its job is kept by the
 * api process and sent as soon as Redis is back: no worker's reconciliation is needed for it. Here the
 * only process is an api, on a Redis of its own that the test stops and starts again.
 */
import { Queue } from 'bullmq';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../server/src/config.js';
import { QUEUE_NAMES } from '../server/src/jobs/bullmq.queue.js';
import { startRuntime, type Runtime } from '../server/src/runtime.js';
import { createTestDatabase, eventually, type TestDatabase } from '../server/test/support/services.js';
import { PrivateRedis } from './support/private-services.js';

const PREFIX = 'unsent';
let redis: PrivateRedis;
let database: TestDatabase;
let api: Runtime;

beforeAll(async () => {
  [redis, database] = await Promise.all([PrivateRedis.start(), createTestDatabase()]);
  const config = parseConfig({
    ROLE: 'api',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '2',
    REDIS_URL: redis.url,
    QUEUE_PREFIX: PREFIX,
    RATE_LIMIT_MAX: '0',
    SHUTDOWN_DRAIN_MS: '0',
    WEB_DIR: '/nonexistent',
  });
  api = await startRuntime(config, pino({ level: 'silent' }));
});

afterAll(async () => {
  await api?.stop();
  await redis?.destroy();
  await database?.drop();
});

it('sends the job of a submission refused while Redis was away once Redis is back', async () => {
  await redis.stop();
  const refused = await fetch(`${api.url}/api/calculations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"index": 77}' });
  expect(refused.status).toBe(503);
  // The record committed before the queue refused the job.
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  try {
    expect((await db.query('SELECT status FROM calculations WHERE index = 77')).rows).toEqual([{ status: 'queued' }]);
  } finally {
    await db.end();
  }

  await redis.restart();
  const batches = new Queue(QUEUE_NAMES.batches, { connection: { url: redis.url }, prefix: PREFIX });
  try {
    const [job] = await eventually(async () => {
      const waiting = await batches.getWaiting();
      return waiting.length > 0 ? waiting : undefined;
    }, 15_000);
    expect(job!.data.calculations).toEqual([expect.objectContaining({ index: 77, attempt: 1 })]);
  } finally {
    await batches.close();
  }
});
