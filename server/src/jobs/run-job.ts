import { isTransientError } from '../lib/errors.js';
import type { JobContext, JobHandler, JobHandlers, JobName, JobPayloads } from './types.js';

/**
 * How a run of a job ended, and so what its queue does with the job next:
 * - `completed`;
 * - `retry-later`: Postgres or Redis did not answer. It runs again after retryPolicy.transientDelayMs
 *   without spending the attempt, so an outage of any length loses no work;
 * - `handed-back`: its worker stopped before it finished (WorkerStoppedError). It goes back to the queue
 *   at once, the attempt unspent, for the next worker;
 * - `retry`: it failed with attempts left, and runs again after the backoff;
 * - `failed`: it failed on its last attempt, for good; its handler's onFailed has recorded it.
 */
export type RunOutcome = 'completed' | 'retry-later' | 'handed-back' | 'retry' | 'failed';

/**
 * How a run that threw ends. runJob and both queues ask here of what the run threw, and the job
 * metrics of the handler's own error: the same answer, but for a last attempt whose failure cannot be
 * recorded yet (Postgres away), which the metrics count as failed and the queue runs again later.
 *
 * Only the worker's own stop hands a job back. A job's signal aborted for any other reason (BullMQ's
 * cancel) ends the run as any error does: BullMQ retries or fails such a job, and on its last attempt
 * the handler must be told.
 */
export function outcomeOf(error: unknown, { signal, attempt, attempts }: JobContext): Exclude<RunOutcome, 'completed'> {
  if (error instanceof RetryLaterError || isTransientError(error)) return 'retry-later';
  if (signal.reason instanceof WorkerStoppedError) return 'handed-back';
  return attempt < attempts ? 'retry' : 'failed';
}

/** Postgres or Redis did not answer a job, or the record of its failure: it is run again later (see RunOutcome). */
export class RetryLaterError extends Error {
  constructor(cause: unknown) {
    super('a dependency is unavailable; the job will be retried', { cause });
    this.name = 'RetryLaterError';
  }
}

/**
 * The reason a worker's stop aborts the signal of the jobs it still runs once its close timeout has
 * passed: they go back to the queue, unfailed.
 */
export class WorkerStoppedError extends Error {
  constructor() {
    super('the worker stopped before the job finished; it goes back to the queue');
    this.name = 'WorkerStoppedError';
  }
}

/**
 * The workers running a job stopped before finishing it (killed, out of memory) more often than the
 * queue allows, so it is failed without another run.
 */
export class WorkerLostError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'WorkerLostError';
  }
}

/**
 * Runs one delivery of a job. What it throws, its queue passes to outcomeOf: a transient failure is
 * thrown as a RetryLaterError; any other error is rethrown, after the handler's onFailed has recorded
 * it when the run is the job's last.
 */
export async function runJob<N extends JobName>(
  handlers: JobHandlers,
  name: N,
  payload: JobPayloads[N],
  context: JobContext,
): Promise<void> {
  const handler = handlers[name];
  try {
    await handler.handle(payload, context);
  } catch (error) {
    const outcome = outcomeOf(error, context);
    if (outcome === 'retry-later') throw error instanceof RetryLaterError ? error : new RetryLaterError(error);
    if (outcome === 'failed') await recordFailure(handler, payload, error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

/**
 * Tells the handler its job failed for good. When that cannot be recorded for now (Postgres away), the
 * job is tried again later, without spending an attempt, rather than failed with its record unfinished.
 */
export async function recordFailure<N extends JobName>(handler: JobHandler<N>, payload: JobPayloads[N], error: Error): Promise<void> {
  try {
    await handler.onFailed?.(payload, error);
  } catch (failure) {
    if (isTransientError(failure)) throw new RetryLaterError(failure);
    throw failure;
  }
}
