/**
 * `npm run backup`, `npm run restore -- <name>`, `npm run backups`: the operator's backup commands, with
 * the same configuration as the server. The embedded database must not be in use by a running process.
 */
import { RedisCache } from '../cache/redis.cache.js';
import { ConfigError, loadConfig } from '../config.js';
import { DataDirInUseError } from '../db/data-dir-lock.js';
import { openDatabase } from '../db/database.js';
import { AppError } from '../lib/errors.js';
import { CalculationRepository } from '../repositories/calculation.repository.js';
import { createLogger } from '../lib/logger.js';
import { createCommandRedis, whenReady } from '../lib/redis.js';
import { createBackupService } from './create.js';

const usage = 'usage: cli.js backup | restore <name> | list';

async function main([command, name]: string[]): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ ...config, LOG_LEVEL: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  if (command === 'backup') {
    // The embedded database is dumped through PGlite itself, so it is opened here for the dump.
    const db = config.DATABASE_URL ? undefined : await openDatabase(config);
    try {
      const info = await createBackupService(config, logger, db).create();
      console.log(`${info.name}  ${info.bytes} bytes  → ${createBackupService(config, logger).store.location}`);
    } finally {
      await db?.destroy();
    }
  } else if (command === 'restore' && name) {
    // On Postgres the restored unfinished work starts new attempts, which the workers' next
    // reconciliation queues (RECONCILE_CRON), and the servers' cached views go: the restored record may
    // not have them. The embedded queue and cache live in their process: nothing to renew.
    const db = config.DATABASE_URL ? await openDatabase(config) : undefined;
    const redis = db && config.REDIS_URL ? await whenReady(createCommandRedis(config.REDIS_URL, logger)) : undefined;
    try {
      const afterRestore =
        db &&
        (async () => {
          await new CalculationRepository(db).renewUnfinished();
          if (redis) await new RedisCache(redis, config.QUEUE_PREFIX).clear();
        });
      await createBackupService(config, logger, undefined, afterRestore).restore(name);
    } finally {
      await db?.destroy();
      await redis?.quit();
    }
    console.log(`restored ${name}`);
  } else if (command === 'list') {
    const backups = await createBackupService(config, logger).list();
    if (backups.length === 0) console.log('no backups');
    for (const backup of backups) console.log(`${backup.name}  ${backup.kind}  ${backup.bytes} bytes  ${backup.createdAt}`);
  } else {
    throw new ConfigError([usage]);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof AppError || error instanceof ConfigError || error instanceof DataDirInUseError ? error.message : error);
  process.exit(1);
});
