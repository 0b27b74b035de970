import { sql, type Kysely } from 'kysely';

/**
 * Exact values are stored as bytes, and decimal becomes a cache filled on first need: converting F(10^7)
 * to decimal costs several times more than computing it. Calculations above the exact limit keep only
 * their summary, and say so.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE calculations ADD COLUMN exact boolean NOT NULL DEFAULT true`.execute(db);
  await sql`ALTER TABLE calculation_values RENAME COLUMN value TO decimal`.execute(db);
  await sql`ALTER TABLE calculation_values ALTER COLUMN decimal DROP NOT NULL`.execute(db);
  // Rows written before this migration have their decimal and no bytes; every row has one of the two.
  await sql`ALTER TABLE calculation_values ADD COLUMN bytes bytea`.execute(db);
  await sql`ALTER TABLE calculation_values ADD CONSTRAINT calculation_values_present CHECK (bytes IS NOT NULL OR decimal IS NOT NULL)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM calculation_values WHERE decimal IS NULL`.execute(db);
  await sql`ALTER TABLE calculation_values DROP CONSTRAINT calculation_values_present, DROP COLUMN bytes`.execute(db);
  await sql`ALTER TABLE calculation_values ALTER COLUMN decimal SET NOT NULL`.execute(db);
  await sql`ALTER TABLE calculation_values RENAME COLUMN decimal TO value`.execute(db);
  await sql`ALTER TABLE calculations DROP COLUMN exact`.execute(db);
}
