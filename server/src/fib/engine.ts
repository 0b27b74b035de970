/**
 * The arithmetic behind the thread tasks, behind one interface so that the GMP addon (native.ts) and
 * the pure BigInt code are interchangeable and tested on the same vectors.
 */
import { asciiBytes, fromBytes, toBytes } from './codec.js';
import { fibonacci } from './fibonacci.js';
import { loadNativeEngine } from './native.js';

export interface FibEngine {
  readonly name: 'gmp' | 'bigint';
  /** F(n) as big-endian bytes (see codec.ts). */
  fibonacci(n: number): Uint8Array;
  /** The decimal digits (ASCII) of a value given as big-endian bytes. */
  decimal(bytes: Uint8Array): Uint8Array;
}

/** `auto`: GMP when the addon is built, BigInt otherwise. */
export type EngineChoice = 'auto' | 'gmp' | 'bigint';

export const bigintEngine: FibEngine = {
  name: 'bigint',
  fibonacci: (n) => toBytes(fibonacci(n)),
  decimal: (bytes) => asciiBytes(fromBytes(bytes).toString()),
};

export function selectEngine(choice: EngineChoice): FibEngine {
  if (choice === 'bigint') return bigintEngine;
  const native = loadNativeEngine();
  if (native) return native;
  if (choice === 'gmp') throw new Error('the GMP engine was asked for, but the addon is not built (npm run build:native -w server)');
  return bigintEngine;
}
