/**
 * The arithmetic behind the thread tasks, behind one interface so that the GMP addon (native.ts) and
 * the pure BigInt code are interchangeable and tested on the same vectors.
 */
import { asciiBytes, fromBytes, toBytes } from './codec.js';
import { fibonacci } from './fibonacci.js';
import { HelperThread } from './helper-thread.js';
import { loadNativeEngine } from './native.js';
import { decimalOnTwoThreads, fibonacciOnTwoThreads } from './twothreads.js';

export interface FibEngine {
  readonly name: 'gmp' | 'bigint';
  /** Threads one computation or conversion may keep busy, the calling one included. */
  readonly threads: number;
  /** F(n) as big-endian bytes (see codec.ts). */
  fibonacci(n: number): Promise<Uint8Array>;
  /** The decimal digits (ASCII) of a value given as big-endian bytes. */
  decimal(bytes: Uint8Array): Promise<Uint8Array>;
  /** Ends the engine's own threads, if it has any; a later call starts them again. */
  close(): Promise<void>;
}

/** `auto`: GMP when the addon is built, BigInt otherwise. */
export type EngineChoice = 'auto' | 'gmp' | 'bigint';

export interface EngineOptions {
  /**
   * Threads one computation may use: 1, or 2 for the BigInt engine to share large values with a
   * helper thread (twothreads.ts). GMP's own functions run on one thread, so the GMP engine uses one.
   */
  parallelism?: 1 | 2;
  /** Heap limit of a helper thread in MiB. */
  maxMemoryMb?: number;
}

export function createBigintEngine({ parallelism = 1, maxMemoryMb }: EngineOptions = {}): FibEngine {
  if (parallelism === 1) {
    return {
      name: 'bigint',
      threads: 1,
      fibonacci: async (n) => toBytes(fibonacci(n)),
      decimal: async (bytes) => asciiBytes(fromBytes(bytes).toString()),
      close: async () => {},
    };
  }
  const helper = new HelperThread(maxMemoryMb);
  return {
    name: 'bigint',
    threads: 2,
    fibonacci: async (n) => toBytes(await fibonacciOnTwoThreads(n, helper)),
    decimal: (bytes) => decimalOnTwoThreads(fromBytes(bytes), helper),
    close: () => helper.close(),
  };
}

/** The BigInt engine on the calling thread alone. */
export const bigintEngine = createBigintEngine();

const GMP_NOT_BUILT = 'the GMP engine was asked for, but the addon is not built (npm run build:native -w server)';

/** The GMP engine when `choice` allows it and the addon loads; `gmp` without it throws. */
function nativeFor(choice: EngineChoice, loadNative: () => FibEngine | undefined): FibEngine | undefined {
  if (choice === 'bigint') return undefined;
  const native = loadNative();
  if (!native && choice === 'gmp') throw new Error(GMP_NOT_BUILT);
  return native;
}

export function selectEngine(choice: EngineChoice, options: EngineOptions = {}): FibEngine {
  return nativeFor(choice, loadNativeEngine) ?? createBigintEngine(options);
}

/**
 * The engine `choice` comes to on this installation, decided once at start: `auto` is GMP when the
 * addon loads. So `gmp` without the addon (or with one that cannot load) stops the process at start,
 * not each job at its first computation. `loadNative` is the addon's loader.
 */
export function resolveEngine(choice: EngineChoice, loadNative = loadNativeEngine): FibEngine['name'] {
  return nativeFor(choice, loadNative) ? 'gmp' : 'bigint';
}
