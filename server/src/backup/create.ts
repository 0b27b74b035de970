import type { Config } from '../config.js';
import { embeddedPool, type Db } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import { BackupService } from './backup.service.js';
import { DirectoryStore } from './directory.store.js';
import { PGliteDumper, PostgresDumper } from './dumpers.js';
import { S3Store } from './s3.store.js';
import { withDistinctOutages, type BackupStore } from './store.js';

export type BackupConfig = Pick<
  Config,
  | 'DATABASE_URL'
  | 'DATA_DIR'
  | 'BACKUP_DIR'
  | 'BACKUP_KEEP'
  | 'BACKUP_SIGNING_KEY'
  | 'BACKUP_S3_BUCKET'
  | 'BACKUP_S3_PREFIX'
  | 'S3_ENDPOINT'
  | 'S3_REGION'
  | 'S3_ACCESS_KEY_ID'
  | 'S3_SECRET_ACCESS_KEY'
  | 'S3_FORCE_PATH_STYLE'
>;

/**
 * The backup service for this deployment's database and store. `db`: the open database, needed to dump
 * the embedded one; without it (the restore command) the embedded database is restored offline.
 * `afterRestore`: what follows a restore that succeeded (see `requeueRestored`).
 */
export function createBackupService(config: BackupConfig, logger: Logger, db?: Db, afterRestore?: () => Promise<unknown>): BackupService {
  const dumper = config.DATABASE_URL
    ? new PostgresDumper(config.DATABASE_URL)
    : new PGliteDumper(config.DATA_DIR, db && embeddedPool(db));
  const store: BackupStore = withDistinctOutages(
    config.BACKUP_S3_BUCKET ? new S3Store({ ...config, BACKUP_S3_BUCKET: config.BACKUP_S3_BUCKET }, logger) : new DirectoryStore(config.BACKUP_DIR),
  );
  return new BackupService(dumper, store, config.BACKUP_KEEP, config.BACKUP_SIGNING_KEY, logger, afterRestore);
}
