import { isTransientError } from '../lib/errors.js';
import { retryPolicy, type JobContext, type JobHandlers, type JobName, type JobPayloads } from './types.js';

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
 * Runs one delivery of a job with the shared retry semantics: a transient failure becomes a
 * RetryLaterError; any other is rethrown for the queue to retry, and after the final attempt the
 * handler's onFailed records it, unless the job was stopped by its worker's shutdown.
 */
export async function runJob<N extends JobName>(
  handlers: JobHandlers,
  name: N,
  payload: JobPayloads[N],
  context: JobContext,
  attempts: number,
): Promise<void> {
  const handler = handlers[name];
  try {
    await handler.handle(payload, context);
  } catch (error) {
    if (isTransientError(error)) throw new RetryLaterError(error);
    // Stopped from outside (the worker shutting down): the job goes back to the queue, unfailed.
    if (context.signal.aborted) throw error;
    if (context.attempt >= attempts && handler.onFailed) {
      await handler.onFailed(payload, error instanceof Error ? error : new Error(String(error)));
    }
    throw error;
  }
}
