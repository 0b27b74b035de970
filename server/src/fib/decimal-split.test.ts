import { describe, expect, it } from 'vitest';
import { addToDigits, beginSplit, bitLength, splitDecimal } from './decimal-split.js';
import { fibonacci } from './fibonacci.js';

/** hi·10^k + lo = x with 0 ≤ lo < 10^k, and k about half of x's digits. */
function expectSplit(x: bigint): void {
  const { hi, lo, lowDigits } = splitDecimal(x);
  const power = 10n ** BigInt(lowDigits);
  expect(hi * power + lo, `x of ${bitLength(x)} bits`).toBe(x);
  expect(lo >= 0n && lo < power).toBe(true);
  const digits = x.toString().length;
  expect(lowDigits).toBeGreaterThanOrEqual(Math.floor(digits * 0.45));
  expect(lowDigits).toBeLessThanOrEqual(Math.ceil(digits * 0.55));
}

describe('splitDecimal', () => {
  it('splits exactly around every power of ten and of two in its reach', () => {
    for (let e = 1; e < 700; e += 7) {
      const ten = 10n ** BigInt(e);
      for (const x of [ten - 1n, ten, ten + 1n]) expectSplit(x);
      const two = 1n << BigInt(e * 3);
      for (const x of [two - 1n, two, two + 1n]) expectSplit(x);
    }
  });

  it('splits Fibonacci numbers with an odd and an even number of digits', () => {
    for (const n of [5_000, 5_001, 5_003, 20_000, 20_001, 300_000, 300_001]) expectSplit(fibonacci(n));
  });

  it('keeps the leading zeros of the low half as zeros of lo, and a low half of zeros as lo = 0', () => {
    const { hi, lowDigits } = splitDecimal(fibonacci(10_000));
    const power = 10n ** BigInt(lowDigits);
    expect(splitDecimal(hi * power + 42n)).toEqual({ hi, lo: 42n, lowDigits }); // the low half is 0…042
    expect(splitDecimal(hi * power)).toEqual({ hi, lo: 0n, lowDigits });
  });

  it('gives the same split on a second value of the same size, from its cached reciprocal', () => {
    const x = fibonacci(400_000);
    const first = splitDecimal(x);
    expect(splitDecimal(x + 1n)).toEqual({ ...first, lo: first.lo + 1n });
  });

  it('estimates the high half at most 3 low before the split is finished, and says by how much', () => {
    const corrections = new Set<number>();
    for (let n = 300_000; n < 300_040; n++) {
      const x = fibonacci(n);
      const { estimate, finish } = beginSplit(x);
      const { correction } = finish();
      expect(estimate + BigInt(correction)).toBe(splitDecimal(x).hi);
      expect(correction).toBeGreaterThanOrEqual(0);
      expect(correction).toBeLessThanOrEqual(3);
      corrections.add(correction);
    }
    expect(corrections.size, 'some estimates are exact and some fall short').toBeGreaterThan(1);
  });

  it('adds a small amount to a string of digits, carrying into a new leading digit', () => {
    const add = (digits: string, amount: number) => Buffer.from(addToDigits(new Uint8Array(Buffer.from(digits, 'latin1')), amount)).toString('latin1');
    expect(add('123', 0)).toBe('123');
    expect(add('123', 3)).toBe('126');
    expect(add('128', 3)).toBe('131');
    expect(add('1999', 2)).toBe('2001');
    expect(add('998', 3)).toBe('1001');
    expect(add('0', 1)).toBe('1');
    expect(add('9', 3)).toBe('12');
  });

  it('measures bit lengths', () => {
    expect([0n, 1n, 2n, 255n, 256n, (1n << 1000n) - 1n].map(bitLength)).toEqual([0, 1, 2, 8, 9, 1000]);
  });
});
