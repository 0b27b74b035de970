/**
 * The GMP engine: an N-API addon (server/native) built by `npm run build:native -w server` where
 * libgmp-dev is installed. GMP's mpz_fib_ui and mpz_get_str are the practical limit for this work;
 * BigInt is the fallback everywhere else.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FibEngine } from './engine.js';
import { assertIndex } from './fibonacci.js';

interface Addon {
  fibonacci(n: number): Uint8Array;
  decimal(bytes: Uint8Array): Uint8Array;
}

/** Where the build puts the addon: the same relative path from src/fib and from dist/fib. */
export const ADDON_PATH = fileURLToPath(new URL('../../native/build/Release/fibgmp.node', import.meta.url));

/** The GMP engine, or `undefined` when the addon is not built. An addon that is built but fails to load throws. */
export function loadNativeEngine(): FibEngine | undefined {
  if (!existsSync(ADDON_PATH)) return undefined;
  const addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  return {
    name: 'gmp',
    threads: 1,
    async fibonacci(n) {
      assertIndex(n);
      return addon.fibonacci(n);
    },
    decimal: async (bytes) => addon.decimal(bytes),
    close: async () => {},
  };
}
