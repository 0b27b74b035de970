import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import * as calculations from '../migrations/0001_calculations.js';
import * as submissionRequestId from '../migrations/0002_submission_request_id.js';
import * as calculationRequestedBy from '../migrations/0003_calculation_requested_by.js';
import * as exactValues from '../migrations/0004_exact_values.js';
import * as writeFunctions from '../migrations/0005_write_functions.js';
import * as calculationBatches from '../migrations/0006_calculation_batches.js';
import * as packedValues from '../migrations/0007_packed_values.js';
import * as failedCalculations from '../migrations/0008_failed_calculations.js';
import * as finishByKey from '../migrations/0009_finish_by_key.js';
import type { Db } from './database.js';

/** Every migration, in order. A new migration is a new file added here; a shipped one is never edited. */
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
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Brings the schema up to date. Kysely holds an advisory lock while it migrates, so replicas starting
 * together run each migration once.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results = [] } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error;
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
