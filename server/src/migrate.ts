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
  console.error(describe(error));
  process.exitCode = 1;
}

/**
 * What stopped it: a problem the user can act on (a setting, Postgres's own answer, a connection
 * refused: each has a code) in a line, anything else whole, with its stack.
 */
function describe(error: unknown): unknown {
  if (error instanceof ConfigError) return error.message;
  const { code, message } = error instanceof Error ? (error as Error & { code?: unknown }) : {};
  // A connection refused on every address of a name is an AggregateError, without a message of its own.
  return typeof code === 'string' ? `migrations not applied: ${message || code} (${code})` : error;
}
