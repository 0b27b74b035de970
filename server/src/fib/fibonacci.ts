/**
 * Exact Fibonacci numbers by Lucas-number fast doubling. Keeping the pair (F(k), L(k)) instead of
 * (F(k), F(k+1)) costs one multiplication and one squaring per bit of n, where the classic doubling
 * F(2k) = F(k)·(2F(k+1) − F(k)), F(2k+1) = F(k)² + F(k+1)² costs three:
 *
 *   F(2k) = F(k)·L(k)                L(2k)   = L(k)² − 2(−1)^k
 *   F(2k+1) = (F(2k) + L(2k)) / 2    L(2k+1) = (5F(2k) + L(2k)) / 2
 *
 * The last bit needs F(n) alone, so it takes a single multiplication:
 *   F(2k) = F(k)·L(k),  F(2k+1) = F(k+1)·L(k) − (−1)^k  with F(k+1) = (F(k) + L(k)) / 2.
 *
 * Pure and synchronous: callers run it off the event loop (see pool.ts).
 */
export function fibonacci(n: number): bigint {
  assertIndex(n);
  if (n < 2) return BigInt(n);
  const bits = n.toString(2); // most significant bit first; safe integers have at most 53
  let f = 1n; // F(k), starting from k = 1, the leading bit
  let l = 1n; // L(k)
  let odd = true; // k is odd, so (−1)^k = −1
  for (let i = 1; i < bits.length - 1; i++) {
    const f2 = f * l;
    const l2 = odd ? l * l + 2n : l * l - 2n;
    if (bits[i] === '1') {
      f = (f2 + l2) >> 1n;
      l = ((f2 << 2n) + f2 + l2) >> 1n;
      odd = true;
    } else {
      f = f2;
      l = l2;
      odd = false;
    }
  }
  if (bits.endsWith('0')) return f * l;
  const next = (f + l) >> 1n; // F(k+1)
  return odd ? next * l + 1n : next * l - 1n;
}

/** Indexes are non-negative safe integers: beyond 2^53 − 1 a JavaScript number no longer names one index. */
export function assertIndex(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`index must be a non-negative safe integer, got ${n}`);
}
