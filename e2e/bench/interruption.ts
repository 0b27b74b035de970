import { constants } from 'node:os';

/**
 * Ctrl-C or SIGTERM during a benchmark: the run gives up the step it is in and removes what it made
 * (processes, database, Redis keys, files), as after a failure, then exits as the signal asks.
 */
export interface Interruption {
  /** Aborted by the first SIGINT or SIGTERM; its reason is the signal's name. */
  readonly signal: AbortSignal;
  /** `work`'s outcome, or a rejection as soon as the benchmark is interrupted. */
  race<T>(work: Promise<T>): Promise<T>;
  /** Once the run has removed what it made: exits with the status of the signal (130 after Ctrl-C), if one came. */
  exitIfInterrupted(): void;
}

export function watchInterruption(): Interruption {
  const controller = new AbortController();
  const { signal } = controller;
  // Ctrl-C reaches a benchmark twice, from the terminal and passed on by npm and tsx: the first one counts.
  for (const name of ['SIGINT', 'SIGTERM'] as const) process.on(name, () => controller.abort(name));
  const interrupted = new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(new Error(`interrupted by ${String(signal.reason)}`)), { once: true }),
  );
  // Only ever raced: a rejection nobody awaited is not an error here.
  interrupted.catch(() => {});
  return {
    signal,
    race: (work) => Promise.race([work, interrupted]),
    exitIfInterrupted() {
      if (signal.aborted) process.exit(128 + constants.signals[signal.reason as NodeJS.Signals]);
    },
  };
}
