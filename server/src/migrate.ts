/** Applies pending migrations and exits: the step a deployment runs once before starting api replicas. */
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';

try {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const { applied, newer } = await migrateToLatest(db);
    if (newer.length > 0) console.log(`the database has migrations of a newer release (${newer.join(', ')}); left as it is`);
    else console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await db.destroy();
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
}
