/**
 * Work whose record committed while Redis was away has its job kept by the api process and sent as
 * soon as Redis is back: no worker's reconciliation is needed for it. A submission is still refused
 * (503), so that its client learns of the outage and sends it again; an admin retry is answered as
 * queued. Here the only process is an api, on a Redis of its own that the test stops and starts again.
 */
import { Queue, type Job } from 'bullmq';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../server/src/config.js';
import { QUEUE_NAMES } from '../server/src/jobs/bullmq.queue.js';
import { startRuntime, type Runtime } from '../server/src/runtime.js';
import { metricSample } from '../server/test/support/metrics.js';
import { createTestDatabase, eventually, type TestDatabase } from '../server/test/support/services.js';
import { PrivateRedis } from './support/private-services.js';

const PREFIX = 'unsent';
const auth = { authorization: `Basic ${Buffer.from('ops:admin-password-1').toString('base64')}` };
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
    ADMIN_USER: 'ops',
    ADMIN_PASSWORD: 'admin-password-1',
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
  expect(await record(77)).toEqual({ status: 'queued', attempt: 1 });
  // What readiness says, the metrics say too, for an alert.
  expect(await dependencies()).toEqual({ database: 1, queue: 0 });

  await redis.restart();
  expect((await waitingJob(QUEUE_NAMES.batches)).data.calculations).toEqual([expect.objectContaining({ index: 77, attempt: 1 })]);
  expect(await dependencies()).toEqual({ database: 1, queue: 1 });
});

it('answers an admin retry made while Redis was away as queued, and sends its job once Redis is back', async () => {
  await sql("INSERT INTO calculations (index, status, error) VALUES (78, 'failed', 'The computation failed.')");
  await redis.stop();
  // The record is queued again: that is the retry, whatever the queue said.
  const retried = await fetch(`${api.url}/api/admin/calculations/78/retry`, { method: 'POST', headers: auth });
  expect(retried.status).toBe(202);
  expect(await retried.json()).toMatchObject({ index: 78, status: 'queued' });
  expect(await record(78)).toEqual({ status: 'queued', attempt: 2 });

  await redis.restart();
  expect((await waitingJob(QUEUE_NAMES.jobs)).id).toBe('fib-78-2');
});

async function dependencies(): Promise<Record<string, number | undefined>> {
  const text = await (await fetch(`${api.url}/metrics`, { headers: auth })).text();
  const up = (dependency: string) => metricSample(text, 'dependency_up', { dependency, role: 'api' });
  return { database: up('database'), queue: up('queue') };
}

async function sql(text: string): Promise<pg.QueryResult> {
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  try {
    return await db.query(text);
  } finally {
    await db.end();
  }
}

async function record(index: number): Promise<unknown> {
  return (await sql(`SELECT status, attempt FROM calculations WHERE index = ${index}`)).rows[0];
}

/** The first job waiting in that queue, once there is one. */
async function waitingJob(name: string): Promise<Job> {
  const queue = new Queue(name, { connection: { url: redis.url }, prefix: PREFIX });
  try {
    const [job] = await eventually(async () => {
      const waiting = await queue.getWaiting();
      return waiting.length > 0 ? waiting : undefined;
    }, 15_000);
    return job!;
  } finally {
    await queue.close();
  }
}
