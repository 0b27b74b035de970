/**
 * x = hi·10^k + lo with 0 ≤ lo < 10^k and k about half of x's digits, so that two threads can each
 * convert one half to decimal (twothreads.ts). Converting is super-linear and the split is a few
 * multiplications of half-size numbers, so two threads gain from about 80,000 digits on.
 *
 * The division is by 5^k, not 10^k, since ⌊x / 10^k⌋ = ⌊⌊x / 2^k⌋ / 5^k⌋ and shifting is linear; it
 * runs as a Barrett reduction on a reciprocal of 5^k kept per size class (sizes within 1/32 of each
 * other share one): two multiplications instead of V8's division, which computes its inverse each time.
 * The first value of a size class pays for the reciprocal (about one division).
 *
 * The first multiplication gives an estimate of hi that is at most 3 low; the second, lo and the
 * correction. `beginSplit` answers between the two, so that another thread can start converting the
 * estimate while this one finishes the split (the correction is then added to the digits).
 */
export interface DecimalSplit {
  hi: bigint;
  lo: bigint;
  /** k: `lo` is written with exactly this many digits, leading zeros included. */
  lowDigits: number;
}

export interface PendingSplit {
  /** ⌊x / 10^k⌋ − `correction`, with 0 ≤ correction ≤ 3. */
  estimate: bigint;
  /** k, as in DecimalSplit. */
  lowDigits: number;
  /** lo, and what the estimate is short of hi. */
  finish(): { lo: bigint; correction: number };
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
  const { estimate, lowDigits, finish } = beginSplit(x);
  const { lo, correction } = finish();
  return { hi: estimate + BigInt(correction), lo, lowDigits };
}

export function beginSplit(x: bigint): PendingSplit {
  if (x < 0n) throw new RangeError('only non-negative values are split');
  const divisor = divisorFor(bitLength(x));
  const y = x >> divisor.k;
  const estimate = ((y >> divisor.t) * divisor.reciprocal) >> divisor.sMinusT;
  const finish = () => {
    let r = y - estimate * divisor.five;
    // The estimate is low by at most 3 and never high (see divisorFor): the loop counts how low it is.
    let correction = 0;
    while (r >= divisor.five) {
      correction++;
      r -= divisor.five;
    }
    if (r < 0n) throw new Error('the estimate of a decimal split came out high');
    return { lo: (r << divisor.k) | BigInt.asUintN(Number(divisor.k), x), correction };
  };
  return { estimate, lowDigits: Number(divisor.k), finish };
}

/** The digits (ASCII) of a non-negative value plus `amount`, from those of the value: in place unless a digit is added. */
export function addToDigits(digits: Uint8Array, amount: number): Uint8Array {
  let carry = amount;
  for (let i = digits.length - 1; i >= 0 && carry > 0; i--) {
    const sum = digits[i]! - 0x30 + carry;
    digits[i] = 0x30 + (sum % 10);
    carry = Math.floor(sum / 10);
  }
  if (carry === 0) return digits;
  const longer = new Uint8Array(digits.length + 1);
  longer[0] = 0x30 + carry;
  longer.set(digits, 1);
  return longer;
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
