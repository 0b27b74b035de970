/**
 * x = hi·10^k + lo with 0 ≤ lo < 10^k and k about half of x's digits, so that two threads can each
 * convert one half to decimal (twothreads.ts). Converting is super-linear and the split is a few
 * multiplications of half-size numbers, so two threads gain from about 80,000 digits on.
 *
 * The division is by 5^k, not 10^k, since ⌊x / 10^k⌋ = ⌊⌊x / 2^k⌋ / 5^k⌋ and shifting is linear; it
 * runs as a Barrett reduction on a reciprocal of 5^k kept per size class (sizes within 1/32 of each
 * other share one): two multiplications instead of V8's division, which computes its inverse each time.
 * The first value of a size class pays for the reciprocal (about one division).
 */
export interface DecimalSplit {
  hi: bigint;
  lo: bigint;
  /** k: `lo` is written with exactly this many digits, leading zeros included. */
  lowDigits: number;
}

interface Divisor {
  /** k, as a BigInt shift. */
  k: bigint;
  /** 5^k. */
  five: bigint;
  /** ⌊2^s / 5^k⌋, where x >> k < 2^s for every x of the size class. */
  reciprocal: bigint;
  /** The estimate multiplies (x >> k) >> t, with 2^t ≤ 5^k, by the reciprocal, then shifts by s − t. */
  t: bigint;
  sMinusT: bigint;
}

/** Size classes kept per thread; the largest (F(10^8)) holds about 7 MB. */
const CACHED_DIVISORS = 4;
const divisors = new Map<number, Divisor>();

const LOG10_2 = Math.log10(2);

export function splitDecimal(x: bigint): DecimalSplit {
  if (x < 0n) throw new RangeError('only non-negative values are split');
  const divisor = divisorFor(bitLength(x));
  const y = x >> divisor.k;
  let q = ((y >> divisor.t) * divisor.reciprocal) >> divisor.sMinusT;
  let r = y - q * divisor.five;
  // The estimate is low by at most 3 (see divisorFor); the loops make the result exact regardless.
  while (r >= divisor.five) {
    q += 1n;
    r -= divisor.five;
  }
  while (r < 0n) {
    q -= 1n;
    r += divisor.five;
  }
  return { hi: q, lo: (r << divisor.k) | BigInt.asUintN(Number(divisor.k), x), lowDigits: Number(divisor.k) };
}

export function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  const hex = x.toString(16); // linear time
  return (hex.length - 1) * 4 + Math.floor(Math.log2(Number.parseInt(hex[0]!, 16))) + 1;
}

/**
 * For x < 2^B: B is rounded up to its size class B' (a multiple of 1/32 to 1/64 of it), k = ⌊B'·log10 2 / 2⌋,
 * s = B' − k. With y = x >> k < 2^s, R = ⌊2^s / 5^k⌋ and 2^t ≤ 5^k, the estimate ⌊⌊y / 2^t⌋·R / 2^(s−t)⌋
 * is at most y / 5^k and at least y / 5^k − 1 − 2^t / 5^k − … > y / 5^k − 3.
 */
function divisorFor(bits: number): Divisor {
  const step = 2 ** Math.max(0, Math.floor(Math.log2(Math.max(1, bits))) - 5);
  const size = Math.ceil(Math.max(bits, 8) / step) * step;
  let divisor = divisors.get(size);
  if (divisor) {
    divisors.delete(size); // re-inserted below: the Map's order is the order of use
  } else {
    const k = Math.max(1, Math.floor((size * LOG10_2) / 2));
    const five = 5n ** BigInt(k);
    const s = size - k;
    const t = bitLength(five) - 1;
    divisor = { k: BigInt(k), five, reciprocal: (1n << BigInt(s)) / five, t: BigInt(t), sMinusT: BigInt(s - t) };
    if (divisors.size >= CACHED_DIVISORS) divisors.delete(divisors.keys().next().value!);
  }
  divisors.set(size, divisor);
  return divisor;
}
