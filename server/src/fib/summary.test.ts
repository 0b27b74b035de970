import { describe, expect, it } from 'vitest';
import { fibonacci } from './fibonacci.js';
import { EXACT_BELOW, leading, leadingAtPrecision } from './leading.js';
import { summarize, summarizeDecimal } from './summary.js';
import { trailing } from './trailing.js';

const exactly = (n: number) => summarizeDecimal(fibonacci(n).toString());

describe('summarize', () => {
  it('agrees with the exact value for every index below 4000', () => {
    for (let n = 0; n < 4000; n++) expect(summarize(n), `F(${n})`).toEqual(exactly(n));
  });

  it('agrees with the exact value for indexes spread up to 2·10^5', () => {
    for (let n = 4001; n < 200_000; n = Math.ceil(n * 1.07)) expect(summarize(n), `F(${n})`).toEqual(exactly(n));
  });

  it('shows small values whole and pads a tail that starts with zeros', () => {
    expect(summarize(90)).toEqual({ digits: 19, head: '2880067194370816120', tail: '2880067194370816120' });
    expect(summarize(100_000_000).tail).toBe('06082642167760546875');
  });

  // Reference values computed once with mpmath at 120 digits and Python integers modulo 10^20.
  it.each([
    [10_000_000, 2_089_877, '11298343782253997603', '86998673686380546875'],
    [100_000_000, 20_898_764, '47371034734563369625', '06082642167760546875'],
    [12_345_678_901_234, 2_580_094_300_853, '31220655009733063286', '55513654870835748487'],
    [2 ** 52, 941_196_658_754_844, '14042301065833027451', '22199366967636914747'],
    [2 ** 52 + 1, 941_196_658_754_844, '22720920404776713175', '30992316968557934877'],
    [Number.MAX_SAFE_INTEGER, 1_882_393_317_509_687, '27250465285378271535', '85114863172811290909'],
  ])('summarizes F(%i) without computing it', (n, digits, head, tail) => {
    expect(summarize(n)).toEqual({ digits, head, tail });
  });
});

describe('leading digits at a rounding boundary', () => {
  // Each of these has a run of four 9s or 0s right after its leading 20 digits (found by search).
  const boundaries = [2776, 3453, 16_768, 17_403, 19_645, 26_638, 28_013];

  it('refuses to answer when the error bound straddles a digit boundary', () => {
    for (const n of boundaries) expect(leadingAtPrecision(n, 20, String(n).length + 23), `F(${n})`).toBeUndefined();
  });

  it('raises the precision until the digits are certain, and gets them right', () => {
    for (const n of boundaries) {
      const { digits, head } = exactly(n);
      expect(leading(n, 20, 0), `F(${n})`).toEqual({ digits, head });
      expect(leading(n, 20), `F(${n})`).toEqual({ digits, head });
    }
  });

  it('is exact with no safety margin at all for every index in a range', () => {
    for (let n = EXACT_BELOW; n < 2500; n++) {
      const { digits, head } = exactly(n);
      expect(leading(n, 20, 0), `F(${n})`).toEqual({ digits, head });
    }
  });

  // F(2954) = 1000009…, F(1107) = 9996…: r sits near 0 or near ln 10, where the digit count is at stake.
  it.each([
    [2954, 8],
    [1107, 6],
  ])('settles the digit count of F(%i) only once the precision rules out the next power of ten', (n, low) => {
    const { digits, head } = exactly(n);
    expect(leadingAtPrecision(n, 1, low)).toBeUndefined();
    expect(leadingAtPrecision(n, 1, 2 * low)).toEqual({ digits, head: head.slice(0, 1) });
    expect(leading(n, 20, 0)).toEqual({ digits, head });
  });
});

describe('trailing', () => {
  it('is F(n) modulo 10^k', () => {
    for (const n of [0, 1, 2, 50, 99, 1000, 12_345]) {
      for (const k of [1, 5, 20]) expect(trailing(n, k)).toBe(fibonacci(n) % 10n ** BigInt(k));
    }
  });
});
