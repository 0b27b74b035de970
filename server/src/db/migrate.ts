import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import * as calculations from '../migrations/0001_calculations.js';
import * as submissionRequestId from '../migrations/0002_submission_request_id.js';
import * as calculationRequestedBy from '../migrations/0003_calculation_requested_by.js';
import * as exactValues from '../migrations/0004_exact_values.js';
import * as writeFunctions from '../migrations/0005_write_functions.js';
import * as calculationBatches from '../migrations/0006_calculation_batches.js';
import * as packedValues from '../migrations/0007_packed_values.js';
import * as failedCalculations from '../migrations/0008_failed_calculations.js';
import * as finishByKey from '../migrations/0009_finish_by_key.js';
import * as requestIdReuse from '../migrations/0010_request_id_reuse.js';
import * as realignSchema from '../migrations/0011_realign_schema.js';
import type { Db } from './database.js';

/**
 * Every migration, in order. A new migration is a new file added here; a shipped one is never edited
 * (server/test/migrate.test.ts holds each to its content).
 */
const migrations: Record<string, Migration> = {
  '0001_calculations': calculations,
  '0002_submission_request_id': submissionRequestId,
  '0003_calculation_requested_by': calculationRequestedBy,
  '0004_exact_values': exactValues,
  '0005_write_functions': writeFunctions,
  '0006_calculation_batches': calculationBatches,
  '0007_packed_values': packedValues,
  '0008_failed_calculations': failedCalculations,
  '0009_finish_by_key': finishByKey,
  '0010_request_id_reuse': requestIdReuse,
  '0011_realign_schema': realignSchema,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export interface MigrationOutcome {
  /** Migrations this call applied, in order. */
  applied: string[];
  /**
   * Migrations the database has run that this release does not know: a newer release ran them, and this
   * one (a rollback) runs on their schema, which migrations keep backwards-compatible (docs/deploy.md).
   */
  newer: string[];
}

/**
 * Brings the schema up to date. Kysely holds an advisory lock while it migrates, so replicas starting
 * together run each migration once. A database a newer release has migrated further is left as it is:
 * rolling back the code must not need the schema rolled back too.
 */
export async function migrateToLatest(db: Db): Promise<MigrationOutcome> {
  const migrator = new Migrator({ db, provider });
  if ((await migrator.getMigrations()).every((migration) => migration.executedAt)) {
    return { applied: [], newer: await unknownMigrations(db) };
  }
  // Kysely refuses a database that ran migrations it does not know and still lacks some it does: two
  // releases that diverged, which no rollback produces.
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error;
  return { applied: results.filter((result) => result.status === 'Success').map((result) => result.migrationName), newer: [] };
}

async function unknownMigrations(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM ${sql.table(DEFAULT_MIGRATION_TABLE)} ORDER BY name`.execute(db);
  return rows.map((row) => row.name).filter((name) => !(name in migrations));
}
