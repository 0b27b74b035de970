import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { silentLogger } from './support/adapters.js';
import { createTestDatabase, redisNamespace, redisUrl, type TestDatabase } from './support/services.js';

describe('scheduled backups with two worker replicas', () => {
  let database: TestDatabase;
  const namespace = redisNamespace();
  let dir: string;
  const workers: Runtime[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'fibstack-schedules-'));
    const config = parseConfig({
      ROLE: 'worker',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '2',
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: namespace.prefix,
      FIB_THREADS: '1',
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
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const backups = (await readdir(dir)).filter((name) => name.endsWith('.pgdump'));
    // Ticks every 2 s over 7 s: 3 or 4 ticks; two replicas each running every tick would make 6 or more.
    expect(backups.length).toBeGreaterThanOrEqual(2);
    expect(backups.length).toBeLessThanOrEqual(4);
  });
});
