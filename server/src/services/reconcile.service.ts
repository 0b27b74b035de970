import type { Db } from '../db/database.js';
import { JobName, type JobQueue } from '../jobs/types.js';
import type { Logger } from '../lib/logger.js';
import { CalculationRepository } from '../repositories/calculation.repository.js';

const BATCH = 500;

/**
 * Re-queues every calculation Postgres records as unfinished. Job ids are deterministic, so a
 * calculation whose job still exists is not queued twice; one lost with Redis, or with a stopped
 * embedded process, is queued again.
 */
export async function reconcile(db: Db, queue: JobQueue, logger: Logger): Promise<number> {
  const calculations = new CalculationRepository(db);
  let requeued = 0;
  for (let after = 0; ; ) {
    const batch = await calculations.unfinished(after, BATCH);
    for (const { index, attempt } of batch) await queue.enqueue(JobName.ComputeFibonacci, { index, attempt });
    requeued += batch.length;
    if (batch.length < BATCH) break;
    after = batch.at(-1)!.seq;
  }
  if (requeued > 0) logger.info({ requeued }, 'reconciled unfinished calculations with the queue');
  return requeued;
}
