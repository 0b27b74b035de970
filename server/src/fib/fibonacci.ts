/**
 * Exact Fibonacci numbers by fast doubling on the pair (F(k), F(k−1)), as GMP's mpz_fib_ui does: two
 * squarings per bit of n, which V8 computes faster than a general multiplication (x·x ≈ 0.8 of x·y),
 * and two independent ones, so that a second thread can take one of them (twothreads.ts):
 *
 *   F(2k−1) = F(k)² + F(k−1)²      F(2k+1) = 4F(k)² − F(k−1)² + 2(−1)^k      F(2k) = F(2k+1) − F(2k−1)
 *
 * The last bit needs F(n) alone, so it takes a single multiplication, with L(k) = F(k) + 2F(k−1):
 *   F(2k) = F(k)·L(k),  F(2k+1) = F(k+1)·L(k) − (−1)^k.
 *
 * Pure and synchronous: callers run it off the event loop (see pool.ts).
 */
export function fibonacci(n: number): bigint {
  assertIndex(n);
  if (n < 2) return BigInt(n);
  const bits = n.toString(2); // most significant bit first; safe integers have at most 53
  let pair = FIRST;
  for (let i = 1; i < bits.length - 1; i++) pair = doubled(pair, pair.f * pair.f, pair.g * pair.g, bits[i] === '1');
  return lastStep(pair, bits.endsWith('1'));
}

/** (F(k), F(k−1)) and the parity of k, which gives the signs (−1)^k. */
export interface DoublingPair {
  readonly f: bigint;
  readonly g: bigint;
  readonly odd: boolean;
}

/** k = 1, the leading bit of every n ≥ 2. */
export const FIRST: DoublingPair = { f: 1n, g: 0n, odd: true };

/** The pair for 2k (or 2k + 1 when `bit`), given the squares of F(k) and F(k−1). */
export function doubled({ odd }: DoublingPair, ff: bigint, gg: bigint, bit: boolean): DoublingPair {
  const below = ff + gg; // F(2k−1)
  const above = (ff << 2n) - gg + (odd ? -2n : 2n); // F(2k+1)
  const middle = above - below; // F(2k)
  return bit ? { f: above, g: middle, odd: true } : { f: middle, g: below, odd: false };
}

/** F(2k), or F(2k + 1) when `bit`, by one multiplication. */
export function lastStep({ f, g, odd }: DoublingPair, bit: boolean): bigint {
  const lucas = (g << 1n) + f; // L(k)
  if (!bit) return f * lucas;
  const product = (f + g) * lucas; // F(k+1)·L(k)
  return odd ? product + 1n : product - 1n;
}

/** Indexes are non-negative safe integers: beyond 2^53 − 1 a JavaScript number no longer names one index. */
export function assertIndex(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`index must be a non-negative safe integer, got ${n}`);
}
