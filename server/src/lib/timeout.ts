/** The promise's value, or a rejection (`timeout`) once `ms` have passed; the timer goes either way. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(reject, ms, new Error('timeout'))));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How the promise settles within `ms`: 'fulfilled', 'rejected', or 'timeout' when it has not by then. It
 * never rejects, and the timer goes either way.
 */
export function outcomeWithin(promise: Promise<unknown>, ms: number): Promise<'fulfilled' | 'rejected' | 'timeout'> {
  const settled = promise.then(
    () => 'fulfilled' as const,
    () => 'rejected' as const,
  );
  return withTimeout(settled, ms).catch(() => 'timeout' as const);
}
