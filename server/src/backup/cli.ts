/**
 * `npm run backup`, `npm run restore -- <name>`, `npm run backups`: the operator's backup commands, with
 * the same configuration as the server. The embedded database must not be in use by a running process.
 */
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { AppError } from '../lib/errors.js';
import { CalculationRepository } from '../repositories/calculation.repository.js';
import { createLogger } from '../lib/logger.js';
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
    // reconciliation queues (RECONCILE_CRON). The embedded queue lives in its process: nothing to renew.
    const db = config.DATABASE_URL ? await openDatabase(config) : undefined;
    try {
      const renew = db && (() => new CalculationRepository(db).renewUnfinished());
      await createBackupService(config, logger, undefined, renew).restore(name);
    } finally {
      await db?.destroy();
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
  console.error(error instanceof AppError || error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
