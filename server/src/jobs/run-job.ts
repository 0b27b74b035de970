import { isTransientError } from '../lib/errors.js';
import { retryPolicy, type JobContext, type JobHandler, type JobHandlers, type JobName, type JobPayloads } from './types.js';

/**
 * Postgres or Redis did not answer: the job is tried again later without spending one of its attempts,
 * so an outage of any length loses no work.
 */
export class RetryLaterError extends Error {
  readonly delayMs = retryPolicy.transientDelayMs;

  constructor(cause: unknown) {
    super('a dependency is unavailable; the job will be retried', { cause });
    this.name = 'RetryLaterError';
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
 * Runs one delivery of a job with the shared retry semantics: a transient failure becomes a
 * RetryLaterError; any other is rethrown for the queue to retry, and after the final attempt the
 * handler's onFailed records it, unless the job was stopped by its worker's shutdown.
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
    if (isTransientError(error)) throw new RetryLaterError(error);
    // Stopped from outside (the worker shutting down): the job goes back to the queue, unfailed.
    if (context.signal.aborted) throw error;
    if (context.attempt >= context.attempts) await recordFailure(handler, payload, error instanceof Error ? error : new Error(String(error)));
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
