import { afterAll, describe, expect, it } from 'vitest';
import { asciiText } from './codec.js';
import { beginSplit, splitDecimal } from './decimal-split.js';
import { fibonacci } from './fibonacci.js';
import { HelperThread } from './helper-thread.js';
import { decimalOnTwoThreads, fibonacciOnTwoThreads, joinDigits, PARALLEL_DECIMAL_BITS, PARALLEL_SQUARE_INDEX } from './twothreads.js';

const helper = new HelperThread(256);
afterAll(() => helper.close());

const decimal = async (x: bigint) => asciiText(await decimalOnTwoThreads(x, helper));

describe('fibonacci on two threads', () => {
  // The last step is the first one shared from n = 2·PARALLEL_SQUARE_INDEX.
  const crossover = 2 * PARALLEL_SQUARE_INDEX;

  it('gives the values of one thread just below and above the size where steps are shared', async () => {
    for (let n = crossover - 40; n <= crossover + 40; n += 3) {
      expect(await fibonacciOnTwoThreads(n, helper), `F(${n})`).toBe(fibonacci(n));
    }
  });

  it('gives the values of one thread when several steps are shared, for odd and even n', async () => {
    for (const n of [4 * crossover, 4 * crossover + 1, 8_388_607, 8_388_608, 8_388_609]) {
      expect(await fibonacciOnTwoThreads(n, helper), `F(${n})`).toBe(fibonacci(n));
    }
  });

  it('answers small indexes on the calling thread alone', async () => {
    for (let n = 0; n < 300; n++) expect(await fibonacciOnTwoThreads(n, helper)).toBe(fibonacci(n));
  });

  it('refuses indexes that are not non-negative safe integers', async () => {
    await expect(fibonacciOnTwoThreads(-1, helper)).rejects.toThrow(RangeError);
  });
});

describe('decimal on two threads', () => {
  const threshold = 1n << BigInt(PARALLEL_DECIMAL_BITS);

  it('writes the digits of one thread just below and above the size where values are split', async () => {
    for (const x of [threshold - 1n, threshold, threshold + 1n, threshold * 3n + 12345n, fibonacci(400_001)]) {
      expect(await decimal(x)).toBe(x.toString());
    }
  });

  it('writes the digits of values whose high half the helper starts from an estimate that falls short', async () => {
    const values = Array.from({ length: 12 }, (_, i) => fibonacci(400_000 + i));
    expect(values.some((x) => beginSplit(x).finish().correction > 0), 'some estimates need correcting').toBe(true);
    for (const x of values) expect(await decimal(x)).toBe(x.toString());
  });

  it('writes the leading zeros of the low half, and a low half that is all zeros', async () => {
    const { hi, lowDigits } = splitDecimal(threshold * 5n);
    const power = 10n ** BigInt(lowDigits);
    for (const x of [hi * power, hi * power + 1n, hi * power + power / 10n - 1n, hi * power + power - 1n]) {
      expect(await decimal(x)).toBe(x.toString());
    }
  });

  it('converts values with an odd and an even number of digits', async () => {
    const values = [10n ** 200_000n, 10n ** 200_000n - 1n, 10n ** 200_001n, 10n ** 200_001n - 1n];
    for (const x of values) expect(await decimal(x)).toBe(x.toString());
  });

  it('joins digits, with or without a high half', () => {
    const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
    expect(asciiText(joinDigits(ascii('12'), '34', 5))).toBe('1200034');
    expect(asciiText(joinDigits(ascii('0'), '34', 5))).toBe('34');
    expect(asciiText(joinDigits(ascii('9'), '0', 3))).toBe('9000');
  });
});

describe('HelperThread', () => {
  it('fails the calls in flight when it is closed, and starts again on the next call', async () => {
    const own = new HelperThread(256);
    const running = expect(own.decimal(fibonacci(2_000_000))).rejects.toThrow(/closed/);
    await own.close();
    await running;
    expect(await own.square(12n)).toBe(144n);
    await own.close();
  });

  // 37.5 MB of digits arrive in a helper whose heap may hold 32 MB.
  it('fails a call whose helper runs out of memory, and serves the next one with a new helper', async () => {
    const small = new HelperThread(32);
    try {
      await expect(small.square(1n << 300_000_000n)).rejects.toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });
      expect(await small.square(12n)).toBe(144n);
    } finally {
      await small.close();
    }
  });
});
