/**
 * The last digits of F(n) by classic fast doubling modulo 10^count: 53 steps at most for a safe
 * integer, on numbers below 10^40, so microseconds for any index.
 */
export function trailing(n: number, count: number): bigint {
  const modulus = 10n ** BigInt(count);
  let a = 0n; // F(k) mod m
  let b = 1n; // F(k+1) mod m
  for (const bit of n.toString(2)) {
    const c = (a * ((2n * b - a + modulus) % modulus)) % modulus; // F(2k) = F(k)·(2F(k+1) − F(k))
    const d = (a * a + b * b) % modulus; // F(2k+1) = F(k)² + F(k+1)²
    if (bit === '1') {
      a = d;
      b = (c + d) % modulus;
    } else {
      a = c;
      b = d;
    }
  }
  return a;
}
