import type { Db } from '../db/database.js';
import { batchJobs, JobName, type JobQueue, type JobRequest } from '../jobs/types.js';
import type { Logger } from '../lib/logger.js';
import { CalculationRepository } from '../repositories/calculation.repository.js';

const PAGE = 500;

/**
 * Re-queues every calculation Postgres records as unfinished, each under the job id it was first queued
 * with: its own, or its batch's with the batch's unfinished calculations. Job ids are deterministic, so
 * work whose job still exists is not queued twice; work lost with Redis, or with a stopped embedded
 * process, is queued again.
 */
export async function reconcile(db: Db, queue: JobQueue, logger: Logger): Promise<number> {
  const calculations = new CalculationRepository(db);
  const batchesSent = new Set<string>();
  let unfinished = 0;
  for (let after = 0; ; ) {
    const page = await calculations.unfinished(after, PAGE);
    const jobs: JobRequest[] = page
      .filter(({ batch }) => batch === null)
      .map(({ index, attempt }) => ({ name: JobName.ComputeFibonacci, payload: { index, attempt } }));
    // A batch may span pages: all of its unfinished calculations are read, and its job sent, once.
    const batches = [...new Set(page.flatMap(({ batch }) => (batch === null || batchesSent.has(batch) ? [] : [batch])))];
    jobs.push(...batchJobs(await calculations.unfinishedInBatches(batches)));
    batches.forEach((batch) => batchesSent.add(batch));
    await queue.enqueueMany(jobs);
    unfinished += page.length;
    if (page.length < PAGE) break;
    after = page.at(-1)!.seq;
  }
  // How many were read, not queued: the queue drops what it still holds under the same id.
  if (unfinished > 0) logger.info({ unfinished }, 'unfinished calculations sent to the queue again (those whose job it holds are left as they are)');
  return unfinished;
}

/**
 * After a restore: the backup's unfinished calculations start new attempts (see `renewUnfinished`) and
 * are queued at once, rather than at the next reconciliation.
 */
export async function requeueRestored(db: Db, queue: JobQueue, logger: Logger): Promise<number> {
  const renewed = await new CalculationRepository(db).renewUnfinished();
  if (renewed > 0) logger.info({ renewed }, 'restored unfinished calculations start new attempts');
  return reconcile(db, queue, logger);
}
