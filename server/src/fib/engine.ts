/**
 * The arithmetic behind the thread tasks, behind one interface so that the GMP addon (native.ts) and
 * the pure BigInt code are interchangeable and tested on the same vectors.
 */
import { asciiBytes, fromBytes, toBytes } from './codec.js';
import { fibonacci } from './fibonacci.js';

export interface FibEngine {
  readonly name: string;
  /** F(n) as big-endian bytes (see codec.ts). */
  fibonacci(n: number): Uint8Array;
  /** The decimal digits (ASCII) of a value given as big-endian bytes. */
  decimal(bytes: Uint8Array): Uint8Array;
}

export const bigintEngine: FibEngine = {
  name: 'bigint',
  fibonacci: (n) => toBytes(fibonacci(n)),
  decimal: (bytes) => asciiBytes(fromBytes(bytes).toString()),
};
