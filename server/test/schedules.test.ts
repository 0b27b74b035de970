import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryStore } from '../src/backup/directory.store.js';
import { parseConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { BullmqQueue, QUEUE_NAMES } from '../src/jobs/bullmq.queue.js';
import { JobName } from '../src/jobs/types.js';
import { createCommandRedis, whenReady } from '../src/lib/redis.js';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { silentLogger } from './support/adapters.js';
import { summary } from './support/records.js';
import { createTestDatabase, eventually, redisNamespace, redisUrl, type TestDatabase } from './support/services.js';

/** A worker process's settings on the test's own database and Redis keys, and `env` beside them. */
const workerConfig = (database: TestDatabase, prefix: string, env: Record<string, string> = {}) =>
  parseConfig({
    ROLE: 'worker',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '2',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    FIB_THREADS: '1',
    ...env,
  });

describe('scheduled backups with two worker replicas', () => {
  let database: TestDatabase;
  const namespace = redisNamespace();
  let dir: string;
  const workers: Runtime[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'fibstack-schedules-'));
    const config = workerConfig(database, namespace.prefix, {
      BACKUP_DIR: dir,
      BACKUP_KEEP: '100',
      BACKUP_CRON: '*/2 * * * * *',
      PRUNE_CRON: 'off',
      RECONCILE_CRON: 'off',
    });
    // The first applies the migrations; the second finds them applied.
    workers.push(await startRuntime(config, silentLogger));
    workers.push(await startRuntime({ ...config, MIGRATE_ON_START: false }, silentLogger));
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await database?.drop();
    await namespace.clean();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one backup per tick, not one per replica', async () => {
    const store = new DirectoryStore(dir);
    const backups = await eventually(async () => {
      const made = await store.list();
      return made.length >= 2 ? made : undefined;
    }, 30_000);
    // No more backups than ticks (every 2 s, on the even seconds) from the first one's to now: two
    // replicas each running every tick would have made two a tick.
    const tick = (time: number) => Math.floor(time / 2_000);
    const first = Math.min(...backups.map(({ createdAt }) => Date.parse(createdAt)));
    const ticks = tick(Date.now()) - tick(first) + 1;
    expect(backups.length).toBeLessThanOrEqual(ticks);
  });

  it('tells a process that runs no jobs, as an api replica, the schedules and how the latest backup went', async () => {
    const connection = await whenReady(createCommandRedis(redisUrl, silentLogger));
    // It never works, so never opens a worker's connection.
    const reader = new BullmqQueue({ attempts: 1, closeTimeoutMs: 1_000, connection, createWorkerConnection: () => connection, prefix: namespace.prefix, lockMs: 5_000, logger: silentLogger });
    try {
      const [backup, prune] = await eventually(async () => {
        const schedules = await reader.schedules();
        return schedules[0]?.last ? schedules : undefined;
      }, 15_000);
      expect(backup).toMatchObject({ name: JobName.Backup, pattern: '*/2 * * * * *', last: { outcome: 'completed' } });
      expect(Date.parse(backup!.next!)).toBeGreaterThan(Date.now() - 2_000);
      expect(prune).toEqual({ name: JobName.Prune, pattern: 'off', next: null, last: null });
    } finally {
      await reader.close();
      connection.disconnect();
    }
  });
});

describe('a worker whose Redis is emptied under a live connection', () => {
  let database: TestDatabase;
  const namespace = redisNamespace();
  let worker: Runtime;
  let queue: Queue;

  beforeAll(async () => {
    database = await createTestDatabase();
    worker = await startRuntime(workerConfig(database, namespace.prefix, { PRUNE_CRON: 'off' }), silentLogger);
    queue = new Queue(QUEUE_NAMES.jobs, { connection: { url: redisUrl }, prefix: namespace.prefix });
  });
  afterAll(async () => {
    await queue?.close();
    await worker?.stop();
    await database?.drop();
    await namespace.clean();
  });

  it('declares again a job scheduler removed while its schedule is on, as from the queue dashboard', async () => {
    await queue.removeJobScheduler(JobName.Backup);
    expect(await queue.getJobScheduler(JobName.Backup)).toBeUndefined();
    // At the worker's next heartbeat (every 10 s).
    const again = await eventually(() => queue.getJobScheduler(JobName.Backup), 30_000);
    expect(again).toMatchObject({ pattern: expect.any(String), tz: 'UTC' });
    // One whose schedule is off stays away.
    expect(await queue.getJobScheduler(JobName.Prune)).toBeUndefined();
  });

  it('removes a job scheduler declared while its schedule is off, as by a worker of the settings before in a rolling update', async () => {
    await queue.upsertJobScheduler(JobName.Prune, { pattern: '0 * * * *', tz: 'UTC' }, { name: JobName.Prune, data: {} });
    // At the worker's next heartbeat (every 10 s).
    await eventually(async () => ((await queue.getJobScheduler(JobName.Prune)) === undefined ? true : undefined), 30_000);
  });

  it('declares its schedules again and sends the unfinished work again, as after a reconnection', async () => {
    expect(await queue.getJobScheduler(JobName.Reconcile)).toBeDefined();
    const db = await openDatabase({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 1, DATA_DIR: tmpdir() });
    try {
      // Work the record holds (never sent here), then what FLUSHALL does to this deployment's keys; the
      // connections stay up.
      const calculations = new CalculationRepository(db);
      await calculations.request(200_001, 'client-emptied', summary(200_001));
      await namespace.clean();
      expect(await queue.getJobScheduler(JobName.Reconcile)).toBeUndefined();
      // Noticed at the worker's next heartbeat (every 10 s).
      await eventually(async () => ((await calculations.find(200_001))?.status === 'done' ? true : undefined), 30_000);
      expect(await queue.getJobScheduler(JobName.Reconcile)).toBeDefined();
      expect(await queue.getJobScheduler(JobName.Backup)).toBeDefined();
    } finally {
      await db.destroy();
    }
  });
});
