/** How long to wait before reconnection attempt `attempt` (1, 2, …): doubling, capped, with jitter. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const defaultBackoff: Backoff = { initialMs: 1_000, maxMs: 30_000 };

/**
 * "Equal jitter": half the delay is fixed, half random, so a server that restarts is not met by every
 * client at the same instant, yet no client retries sooner than half its step.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const step = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}
