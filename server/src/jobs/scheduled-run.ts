import type { ScheduledRun } from './types.js';

/** Longest error text kept for the admin page: the first line says what went wrong; the log has the rest. */
const ERROR_LENGTH = 200;

/** A periodic job's run that completed now, having started at `startedAt` (ms). */
export function completedRun(startedAt: number): ScheduledRun {
  return { at: new Date().toISOString(), outcome: 'completed', durationMs: Date.now() - startedAt };
}

/** A periodic job's run that failed its last attempt now, having started it at `startedAt` (ms). */
export function failedRun(startedAt: number, error: unknown): ScheduledRun {
  return { ...completedRun(startedAt), outcome: 'failed', error: shortError(error) };
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
