/**
 * `npm run backup`, `npm run restore -- <name> [--allow-unsigned]`, `npm run backups`: the operator's
 * backup commands, with the same configuration as the server. The embedded database must not be in use
 * by a running process.
 * `cli.js renew` does what follows a restore made by other means (pg_restore by hand, in containers).
 */
import { RedisCache } from '../cache/redis.cache.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { DataDirInUseError } from '../db/data-dir-lock.js';
import { openDatabase } from '../db/database.js';
import { AppError } from '../lib/errors.js';
import { CalculationRepository } from '../repositories/calculation.repository.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { createCommandRedis, whenReady } from '../lib/redis.js';
import { createBackupService } from './create.js';

const usage = 'usage: cli.js backup | restore <name> [--allow-unsigned] | list | renew';

/** How `list` shows each backup's signature. */
const signatureNote = {
  valid: 'signed',
  invalid: 'SIGNATURE DOES NOT MATCH',
  unsigned: 'unsigned',
  unchecked: 'signed (not checked: BACKUP_SIGNING_KEY is not set)',
} as const;

async function main(args: string[]): Promise<void> {
  const [command, name] = args.filter((arg) => !arg.startsWith('--'));
  const flags = args.filter((arg) => arg.startsWith('--'));
  const allowUnsigned = flags.includes('--allow-unsigned');
  if (flags.some((flag) => flag !== '--allow-unsigned') || (allowUnsigned && command !== 'restore')) throw new ConfigError([usage]);
  const config = loadConfig();
  const logger = createLogger({ ...config, LOG_LEVEL: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  if (command === 'backup') {
    // The embedded database is dumped through PGlite itself, so it is opened here for the dump.
    const db = config.DATABASE_URL ? undefined : await openDatabase(config);
    try {
      const backups = createBackupService(config, logger, db);
      const info = await backups.create();
      console.log(`${info.name}  ${info.bytes} bytes  → ${backups.store.location}`);
    } finally {
      await db?.destroy();
    }
  } else if (command === 'restore' && name) {
    await withRenewal(config, logger, (renew) => createBackupService(config, logger, undefined, renew).restore(name, { allowUnsigned }));
    console.log(`restored ${name}`);
  } else if (command === 'renew') {
    if (!config.DATABASE_URL) throw new ConfigError(['renew is for Postgres (DATABASE_URL): the embedded queue and cache live in the server']);
    await withRenewal(config, logger, async (renew) => renew?.());
    console.log(config.REDIS_URL ? 'unfinished work renewed, cached views cleared' : 'unfinished work renewed');
  } else if (command === 'list') {
    const service = createBackupService(config, logger);
    const backups = await service.list();
    if (backups.length === 0) console.log('no backups');
    for (const backup of backups) {
      console.log(`${backup.name}  ${backup.kind}  ${backup.bytes} bytes  ${backup.createdAt}  ${signatureNote[service.signatureOf(backup)]}`);
    }
  } else {
    throw new ConfigError([usage]);
  }
}

/**
 * Runs `work` with what follows a restore on Postgres: the restored unfinished work starts new attempts
 * (whose jobs the workers' next reconciliation queues) and the servers' cached views go, since the
 * restored record may not have them. Undefined for the embedded database: its queue and cache live in
 * its process, which a restore needs stopped.
 */
async function withRenewal(config: Config, logger: Logger, work: (renew?: () => Promise<void>) => Promise<unknown>): Promise<void> {
  const db = config.DATABASE_URL ? await openDatabase(config) : undefined;
  const redis = db && config.REDIS_URL ? await whenReady(createCommandRedis(config.REDIS_URL, logger)) : undefined;
  try {
    await work(
      db &&
        (async () => {
          await new CalculationRepository(db).renewUnfinished();
          if (redis) await new RedisCache(redis, config.QUEUE_PREFIX).clear();
        }),
    );
  } finally {
    await db?.destroy();
    await redis?.quit();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof AppError || error instanceof ConfigError || error instanceof DataDirInUseError ? error.message : error);
  process.exit(1);
});
