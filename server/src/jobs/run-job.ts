import type { JobContext, JobHandlers, JobName, JobPayloads } from './types.js';

/**
 * Runs one delivery of a job with the shared retry semantics: the error is rethrown so the queue retries,
 * and after the final attempt the handler's onFailed records the failure.
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
    if (context.attempt >= attempts && handler.onFailed) {
      await handler.onFailed(payload, error instanceof Error ? error : new Error(String(error)));
    }
    throw error;
  }
}
