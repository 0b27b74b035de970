import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryQueue } from '../src/jobs/memory.queue.js';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import { SubmissionRepository } from '../src/repositories/submission.repository.js';
import { prune } from '../src/services/prune.service.js';
import { silentLogger } from './support/adapters.js';
import { openMigratedDatabase } from './support/services.js';
import { summary } from './support/records.js';

describe('pruning', () => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  beforeEach(async () => {
    database = await openMigratedDatabase();
  });
  afterEach(() => database.close());

  it('deletes submissions past their retention, and keeps calculations and recent submissions', async () => {
    const { db } = database;
    const submissions = new SubmissionRepository(db);
    for (const index of [1, 2, 3]) {
      await new CalculationRepository(db).request(index, 'test', summary(index));
      await submissions.add(index, `request-${index}`);
    }
    await sql`UPDATE submissions SET created_at = now() - interval '40 days' WHERE index IN (1, 2)`.execute(db);
    const queue = new MemoryQueue({ attempts: 1, closeTimeoutMs: 5_000 });
    const pruned = await prune(db, queue, { PRUNE_JOBS_AFTER_HOURS: 1, PRUNE_SUBMISSIONS_AFTER_DAYS: 30 }, silentLogger);
    expect(pruned).toEqual({ jobs: 0, submissions: 2 });
    expect((await submissions.list({ limit: 10 })).items.map((row) => row.index)).toEqual([3]);
    expect(await db.selectFrom('calculations').select('index').orderBy('index').execute()).toEqual([{ index: 1 }, { index: 2 }, { index: 3 }]);
    await queue.close();
  });
});
