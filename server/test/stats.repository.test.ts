import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import { StatsRepository } from '../src/repositories/stats.repository.js';
import { summary } from './support/records.js';
import { openMigratedDatabase } from './support/services.js';

describe('StatsRepository on Postgres', () => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;

  beforeAll(async () => {
    database = await openMigratedDatabase();
  });
  afterAll(() => database.close());

  it('counts the failed calculations, up to a bound', async () => {
    const calculations = new CalculationRepository(database.db);
    const stats = new StatsRepository(database.db);
    expect(await stats.countFailed(100)).toBe(0);
    for (const index of [21, 22, 23, 24]) {
      await calculations.request(index, 'client-a', summary(index));
      await calculations.fail(index, 1, 'The computation failed.');
    }
    // One still queued does not count.
    await calculations.request(25, 'client-a', summary(25));
    expect(await stats.countFailed(100)).toBe(4);
    expect(await stats.countFailed(3)).toBe(3);
  });
});
