/** Applies pending migrations and exits: the step a deployment runs once before starting api replicas. */
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { failureLine } from './lib/failure.js';

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
  // A setting's problem speaks for itself; another the user can act on says first what did not happen;
  // anything else goes whole, with its stack.
  const line = failureLine(error);
  if (error instanceof ConfigError) console.error(line);
  else console.error(line === undefined ? error : `migrations not applied: ${line}`);
  process.exitCode = 1;
}
