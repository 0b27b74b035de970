/**
 * `npm run backup`, `npm run restore -- <name> [--allow-unsigned]`, `npm run backups`: the operator's
 * backup commands, with the same configuration as the server. The embedded database must not be in use
 * by a running process.
 * `cli.js renew` does what follows a restore made by other means (pg_restore by hand, in containers).
 */
import { stat } from 'node:fs/promises';
import { CACHE_TTL_SECONDS } from '../cache/cache.js';
import { RedisCache } from '../cache/redis.cache.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { embeddedDataDir, openDatabase } from '../db/database.js';
import { AppError } from '../lib/errors.js';
import { failureLine } from '../lib/failure.js';
import { ifMissing } from '../lib/fs.js';
import { CalculationRepository } from '../repositories/calculation.repository.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { createCommandRedis, whenReady } from '../lib/redis.js';
import { createBackupService } from './create.js';

const usage = `usage: cli.js backup | restore <name> [--allow-unsigned] | list | renew | help
(npm run backup, npm run restore -- <name>, npm run backups)

commands:
  backup            makes a backup, then deletes all but the newest BACKUP_KEEP
  list              lists the backups, newest first, with the state of their signatures
  restore <name>    replaces the database's contents with the backup's, and migrates them to this release
    --allow-unsigned  restores a backup made before BACKUP_SIGNING_KEY was set
  renew             what follows a restore made by other means (Postgres only)
  help, --help, -h  this text

read from the environment, as the server reads it:
  DATABASE_URL      the Postgres database; unset: the embedded database in DATA_DIR (default ./data)
  REDIS_URL         the cache of calculation views a restore clears (Postgres)
  BACKUP_DIR        the folder of backups (default ./backups), unless BACKUP_S3_BUCKET is set
  BACKUP_S3_BUCKET  a bucket instead, with BACKUP_S3_PREFIX, S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY
  BACKUP_KEEP, BACKUP_SIGNING_KEY`;

/** The command line asks for no command this knows. */
class UsageError extends Error {}

/** How `list` shows each backup's signature. */
const signatureNote = {
  valid: 'signed',
  invalid: 'SIGNATURE DOES NOT MATCH',
  unsigned: 'unsigned',
  unchecked: 'signed (not checked: BACKUP_SIGNING_KEY is not set)',
} as const;

async function main(args: string[]): Promise<void> {
  if (args.some((arg) => ['help', '--help', '-h'].includes(arg))) {
    console.log(usage);
    return;
  }
  const [command, name, ...rest] = args.filter((arg) => !arg.startsWith('-'));
  const flags = args.filter((arg) => arg.startsWith('-'));
  const allowUnsigned = flags.includes('--allow-unsigned');
  const unknown = flags.find((flag) => flag !== '--allow-unsigned');
  if (unknown) throw new UsageError(`unknown option ${unknown}`);
  if (allowUnsigned && command !== 'restore') throw new UsageError('--allow-unsigned is for restore alone');
  if (command === 'restore' && !name) throw new UsageError('restore needs the name of a backup (npm run backups lists them)');
  if (rest.length > 0 || (name && command !== 'restore')) throw new UsageError(`unexpected ${JSON.stringify(rest[0] ?? name)}`);
  const config = loadConfig();
  const logger = createLogger({ ...config, LOG_LEVEL: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  if (command === 'backup') {
    // The embedded database is dumped through PGlite itself, so it is opened here for the dump.
    if (!config.DATABASE_URL) await requireEmbeddedDatabase(config.DATA_DIR);
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
    // Where it went, as a DATA_DIR that is wrong creates a database of its own there.
    console.log(config.DATABASE_URL ? `restored ${name}` : `restored ${name} into ${embeddedDataDir(config.DATA_DIR)}`);
    warnOfProcessCaches(config);
  } else if (command === 'renew') {
    if (!config.DATABASE_URL) throw new ConfigError(['renew is for Postgres (DATABASE_URL): the embedded queue and cache live in the server']);
    await withRenewal(config, logger, async (renew) => renew?.());
    console.log(config.REDIS_URL ? 'unfinished work renewed, cached views cleared' : 'unfinished work renewed');
    warnOfProcessCaches(config);
  } else if (command === 'list') {
    const service = createBackupService(config, logger);
    const backups = await service.list();
    if (backups.length === 0) console.log('no backups');
    for (const backup of backups) {
      console.log(`${backup.name}  ${backup.kind}  ${backup.bytes} bytes  ${backup.createdAt}  ${signatureNote[service.signatureOf(backup)]}`);
    }
  } else {
    throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : 'no command given');
  }
}

/**
 * A backup opens the embedded database, and opening one that is not there creates it: a DATA_DIR
 * mistyped would be backed up empty, and that backup would count towards BACKUP_KEEP and push out a
 * real one.
 */
async function requireEmbeddedDatabase(dataDir: string): Promise<void> {
  const folder = embeddedDataDir(dataDir);
  const exists = await stat(folder).then(() => true, ifMissing(false));
  if (!exists) {
    throw new AppError(
      'NOT_FOUND',
      `there is no embedded database in ${folder}: check DATA_DIR (${dataDir}), or set DATABASE_URL for Postgres; nothing was backed up`,
    );
  }
}

/**
 * Without Redis a running server keeps calculation views in its own memory, which this process cannot
 * reach: it goes on showing views of the record before the restore until it restarts.
 */
function warnOfProcessCaches(config: Config): void {
  if (!config.DATABASE_URL || config.REDIS_URL) return;
  console.warn(
    `REDIS_URL is not set, so no cache was cleared: restart any server running on this database, whose own cache ` +
      `keeps showing calculations of the record before the restore for up to ${CACHE_TTL_SECONDS} s ` +
      `(the admin page's restore clears it, and needs no restart)`,
  );
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
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${usage}`);
  } else {
    console.error(failureLine(error) ?? (error instanceof Error ? (error.stack ?? error.message) : String(error)));
  }
  process.exit(1);
});
