/**
 * F(n) and its decimal on two threads: the calling one and a HelperThread. Only large numbers are
 * worth it — handing a number to the other thread copies it (linear), while the work shared is
 * super-linear — so below the thresholds everything runs on the calling thread, as in fibonacci.ts.
 *
 * - Computing: each doubling step squares F(k) and F(k−1), independently, so the helper takes one.
 *   The last step, one multiplication on one thread, becomes two squarings on two:
 *   F(2k) = F(k+1)² − F(k−1)²,  F(2k+1) = F(k+1)² + F(k)².
 * - Decimal: x = hi·10^k + lo (decimal-split.ts); the helper converts hi while this thread converts lo,
 *   and lo is written with its leading zeros. The helper starts from the split's first estimate of hi,
 *   at most 3 low, while this thread finishes the split; the correction is added to its digits.
 */
import { asciiBytes } from './codec.js';
import { addToDigits, beginSplit } from './decimal-split.js';
import { assertIndex, doubled, FIRST, lastStep, type DoublingPair } from './fibonacci.js';
import type { HelperThread } from './helper-thread.js';

/**
 * Doubling steps from k at least this index share their squarings: F(k−1) then has about 69,000 bits
 * or more (F(k) has about 0.694·k bits), and a squaring, about 0.3 ms here, outweighs a round trip to
 * the helper with its copies both ways (about 20 µs when the helper is awake, more when it has gone to
 * sleep between steps). Sharing from a quarter of this was slower at F(10^5) and no faster at
 * F(1.5·10^5); from here on it is faster at every size (F(10^6): 4.7 ms against 7.1 ms on one thread).
 */
export const PARALLEL_SQUARE_INDEX = 100_000;

/** Values with at least this many bits (about 79,000 digits, 10 ms of conversion) are converted in two halves. */
export const PARALLEL_DECIMAL_BITS = 2 ** 18;
const SPLIT_FROM = 1n << BigInt(PARALLEL_DECIMAL_BITS);

export async function fibonacciOnTwoThreads(n: number, helper: HelperThread): Promise<bigint> {
  assertIndex(n);
  if (n < 2) return BigInt(n);
  const bits = n.toString(2);
  let pair: DoublingPair = FIRST;
  let k = 1;
  for (let i = 1; i < bits.length - 1; i++) {
    const bit = bits[i] === '1';
    const [ff, gg] = k >= PARALLEL_SQUARE_INDEX ? await squares(pair.f, pair.g, helper) : [pair.f * pair.f, pair.g * pair.g];
    pair = doubled(pair, ff, gg, bit);
    k = 2 * k + (bit ? 1 : 0);
  }
  const bit = bits.endsWith('1');
  if (k < PARALLEL_SQUARE_INDEX) return lastStep(pair, bit);
  const [above, other] = await squares(pair.f + pair.g, bit ? pair.f : pair.g, helper);
  return bit ? above + other : above - other;
}

export async function decimalOnTwoThreads(value: bigint, helper: HelperThread): Promise<Uint8Array> {
  if (value < SPLIT_FROM) return asciiBytes(value.toString());
  const split = beginSplit(value);
  const high = helper.decimal(split.estimate);
  const { lo, correction } = split.finish();
  const low = lo.toString();
  return joinDigits(addToDigits(await high, correction), low, split.lowDigits);
}

/** The digits of hi·10^k + lo from those of hi and lo, with lo padded to k digits. */
export function joinDigits(high: Uint8Array, low: string, lowDigits: number): Uint8Array {
  if (high.length === 1 && high[0] === 0x30) return asciiBytes(low); // hi = 0: no leading zeros
  const digits = new Uint8Array(high.length + lowDigits);
  digits.set(high);
  const lowStart = digits.length - low.length;
  digits.fill(0x30, high.length, lowStart);
  Buffer.from(digits.buffer).write(low, lowStart, 'latin1');
  return digits;
}

/** a² on the helper and b² here, at the same time. */
async function squares(a: bigint, b: bigint, helper: HelperThread): Promise<[bigint, bigint]> {
  const aa = helper.square(a);
  const bb = b * b;
  return [await aa, bb];
}
