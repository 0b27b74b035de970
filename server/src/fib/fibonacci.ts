/**
 * Exact Fibonacci numbers by fast doubling: F(2k) = F(k)·(2F(k+1) − F(k)), F(2k+1) = F(k)² + F(k+1)².
 * Pure and synchronous — callers run it off the event loop (see pool.ts).
 */
export function fibonacci(n: number): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`index must be a non-negative safe integer, got ${n}`);
  let a = 0n; // F(k)
  let b = 1n; // F(k+1)
  for (let bit = highestBit(n); bit >= 0; bit--) {
    const c = a * (2n * b - a);
    const d = a * a + b * b;
    if (Math.floor(n / 2 ** bit) % 2 === 1) {
      a = d;
      b = c + d;
    } else {
      a = c;
      b = d;
    }
  }
  return a;
}

function highestBit(n: number): number {
  return n === 0 ? -1 : Math.floor(Math.log2(n));
}
