import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fibonacci } from './fibonacci.js';

/** The definition itself, one addition at a time: slow, and obviously right. */
function* byAddition(): Generator<bigint> {
  let a = 0n;
  let b = 1n;
  for (;;) {
    yield a;
    [a, b] = [b, a + b];
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('fibonacci', () => {
  it('agrees with repeated addition for every index below 5000', () => {
    let n = 0;
    for (const expected of byAddition()) {
      if (n === 5000) break;
      expect(fibonacci(n), `F(${n})`).toBe(expected);
      n++;
    }
  });

  it('gives the well-known values', () => {
    expect(fibonacci(0)).toBe(0n);
    expect(fibonacci(1)).toBe(1n);
    expect(fibonacci(2)).toBe(1n);
    expect(fibonacci(90)).toBe(2880067194370816120n);
    expect(fibonacci(100)).toBe(354224848179261915075n);
  });

  // Digests computed once with Python's integers by the classic three-multiplication doubling,
  // cross-checked against repeated addition for 10^5.
  it('matches independent digests of F(10^5) and F(10^6)', () => {
    const f5 = fibonacci(100_000).toString();
    expect(f5).toHaveLength(20_899);
    expect(sha256(f5)).toBe('9fe22f691a91170da9006226d479ad986b2f92021b7045ecfb0a5091b641b802');
    const f6 = fibonacci(1_000_000).toString();
    expect(f6).toHaveLength(208_988);
    expect(sha256(f6)).toBe('aef6e8c19df607aa07940f2abde8460d1b34c18df1a6f46b5fc04dfe9be51706');
  });

  it('keeps F(n)² − F(n−1)·F(n+1) = (−1)^(n−1) around powers of two (Cassini)', () => {
    for (const n of [1023, 1024, 1025, 65_535, 65_536, 65_537]) {
      const [before, at, after] = [fibonacci(n - 1), fibonacci(n), fibonacci(n + 1)];
      expect(at * at - before * after).toBe(n % 2 === 0 ? -1n : 1n);
    }
  });

  it('refuses indexes that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 53]) expect(() => fibonacci(bad)).toThrow(RangeError);
  });
});
