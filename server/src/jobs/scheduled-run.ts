import type { RunOutcome } from './run-job.js';
import { isScheduled, type JobName, type ScheduledJobName, type ScheduledRun } from './types.js';

/** Longest error text kept for the admin page: the first line says what went wrong; the log has the rest. */
const ERROR_LENGTH = 200;

/** Where a queue keeps each periodic job's latest run: a Map in process, a Redis hash on BullMQ. */
export type KeepRun = (name: ScheduledJobName, run: ScheduledRun) => Promise<void> | void;

/**
 * Gives `keep` the run of a job that ended now with `outcome`, having started at `startedAt` (ms), when
 * the admin page shows it: a periodic job's run that completed or failed for good. A run the job will
 * have again is no outcome yet, and calculations are no periodic job.
 */
export async function recordRun(keep: KeepRun, name: JobName, outcome: RunOutcome, startedAt: number, error?: unknown): Promise<void> {
  if (!isScheduled(name) || (outcome !== 'completed' && outcome !== 'failed')) return;
  const run: ScheduledRun = { at: new Date().toISOString(), outcome, durationMs: Date.now() - startedAt };
  await keep(name, outcome === 'failed' ? { ...run, error: shortError(error) } : run);
}

/**
 * The error's first line, bounded, with any credentials in an address taken out: the page shows it to
 * anyone with the admin's password, and a driver's message may quote the URL it failed to reach.
 */
export function shortError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n', 1)[0]!.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1[redacted]@');
  return line.length > ERROR_LENGTH ? `${line.slice(0, ERROR_LENGTH - 1)}…` : line;
}
