import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { JobQueue } from '../jobs/types.js';
import type { Logger } from '../lib/logger.js';
import { SubmissionRepository } from '../repositories/submission.repository.js';

const HOUR_MS = 3_600_000;

/**
 * The periodic clean-up: finished jobs past their use in the queue, and the request history past its
 * retention. Calculations and their values stay: they are the record, and the answer to the next request.
 */
export async function prune(
  db: Db,
  queue: JobQueue,
  config: Pick<Config, 'PRUNE_JOBS_AFTER_HOURS' | 'PRUNE_SUBMISSIONS_AFTER_DAYS'>,
  logger: Logger,
): Promise<{ jobs: number; submissions: number }> {
  const jobs = await queue.prune(config.PRUNE_JOBS_AFTER_HOURS * HOUR_MS);
  const before = new Date(Date.now() - config.PRUNE_SUBMISSIONS_AFTER_DAYS * 24 * HOUR_MS);
  const submissions = await new SubmissionRepository(db).deleteBefore(before);
  logger.info({ jobs, submissions }, 'pruned');
  return { jobs, submissions };
}
