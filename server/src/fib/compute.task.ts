/**
 * Runs inside a worker thread of the pool (pool.ts): the only place F(n) is computed and turned into
 * decimal. Results are moved to the calling thread, not copied: F(10^8) is 8.7 MB of bytes and 21 MB
 * of digits.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { bigintEngine } from './engine.js';

export interface ComputeRequest {
  index: number;
}

export interface ComputeResult {
  /** F(index) as big-endian bytes (see codec.ts). */
  value: Uint8Array;
  durationMs: number;
  /** Which arithmetic computed it: `gmp` or `bigint`. */
  engine: string;
}

export interface DecimalRequest {
  value: Uint8Array;
}

const engine = bigintEngine;

export function compute({ index }: ComputeRequest): ComputeResult {
  const started = performance.now();
  const value = engine.fibonacci(index);
  return transfer({ value, durationMs: performance.now() - started, engine: engine.name }, value);
}

export function decimal({ value }: DecimalRequest): Uint8Array {
  return move(engine.decimal(value)) as Uint8Array;
}

/** Piscina's protocol for a result that carries a transferable buffer inside a plain object. */
function transfer<T extends object>(result: T, bytes: Uint8Array): T {
  return move({ [transferableSymbol]: bytes.buffer, [valueSymbol]: result }) as T;
}
