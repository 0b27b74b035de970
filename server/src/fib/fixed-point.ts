/**
 * Real numbers as BigInt fixed point: a value x is held as the integer ⌊x·10^p⌋ for a chosen precision
 * p. Every helper truncates, so each result is low by less than the stated number of units in the last
 * place (ulps); callers add those bounds up to know how far from the truth their answer can be.
 */

/** 10^p, the fixed-point one. */
export function unit(p: number): bigint {
  return 10n ** BigInt(p);
}

/** ⌊√x⌋ by Newton's iteration from above (exact for every non-negative integer). */
export function isqrt(x: bigint): bigint {
  if (x < 2n) return x;
  let y = 1n << BigInt((x.toString(2).length >> 1) + 1); // a power of two above √x
  for (;;) {
    const next = (y + x / y) >> 1n;
    if (next >= y) return y;
    y = next;
  }
}

/**
 * atanh(1/m)·10^p = Σ 10^p / ((2k+1)·m^(2k+1)), within 2 ulps per term (the terms shrink, so the
 * rounding errors never grow): p/log10(m²) + 1 terms reach the precision.
 */
export function atanhInverse(m: bigint, p: number): bigint {
  const m2 = m * m;
  let power = unit(p) / m;
  let sum = 0n;
  for (let k = 1n; power > 0n; k += 2n) {
    sum += power / k;
    power /= m2;
  }
  return sum;
}

/**
 * e^x·10^p for 0 ≤ x < 3 given as x·10^p, by its Taylor series. Each term is rounded once (1 ulp), and
 * a term's error carries into the later terms scaled by x^j/j! in all, at most e^x < 21: so at most
 * 21 ulps per term, plus 2 for the truncated tail (whose terms at least halve from one to the next).
 */
export function exp(x: bigint, p: number): { value: bigint; errorUlps: number } {
  const one = unit(p);
  let term = one;
  let sum = one;
  let terms = 1;
  for (let k = 1n; term > 0n; k++) {
    term = (term * x) / (k * one);
    sum += term;
    terms++;
  }
  return { value: sum, errorUlps: 21 * terms + 2 };
}
