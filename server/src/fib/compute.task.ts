/**
 * What computes F(n) and turns it into decimal: inside a worker thread of the pool (pool.ts), and on the
 * calling thread for indexes up to INLINE_MAX_INDEX. A thread's results are moved to the calling thread,
 * not copied: F(10^8) is 8.7 MB of bytes and 21 MB of digits.
 */
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { selectEngine, type EngineChoice, type FibEngine } from './engine.js';

/** What every thread of a pool is started with. */
export interface TaskData {
  engine: EngineChoice;
  /** Threads one task may use, this one included (see EngineOptions). */
  parallelism: 1 | 2;
  /** The heap limit of this thread in MiB, which a helper thread gets as well. */
  maxMemoryMb: number;
}

export interface ComputeRequest {
  index: number;
}

export interface ComputeResult {
  /** F(index) as big-endian bytes (see codec.ts). */
  value: Uint8Array;
  /** The decimal digits (ASCII) of a small value, where they cost next to nothing; `null` otherwise. */
  decimal: Uint8Array | null;
  /** Time spent computing the value (not its decimal). */
  durationMs: number;
  /** Which arithmetic computed it: `gmp` or `bigint`. */
  engine: string;
}

export interface DecimalRequest {
  value: Uint8Array;
}

/**
 * Values of up to this many digits come with their decimal, which lists show inline. Larger ones are
 * stored as bytes alone and converted on their first download: most values are never downloaded, and
 * their decimal would more than double what is written.
 */
export const EAGER_DECIMAL_DIGITS = 1_000;
/** The most bytes a value of EAGER_DECIMAL_DIGITS digits can have (10^d < 2^⌈d·log2 10⌉). */
const EAGER_DECIMAL_BYTES = Math.ceil((EAGER_DECIMAL_DIGITS * Math.log2(10)) / 8);

/** F(index) on `engine`, on the calling thread (and the engine's helper thread, if it has one). */
export async function computeWith(engine: FibEngine, index: number): Promise<ComputeResult> {
  const started = performance.now();
  const value = await engine.fibonacci(index);
  const durationMs = performance.now() - started;
  const decimal = value.length <= EAGER_DECIMAL_BYTES ? await engine.decimal(value) : null;
  return { value, decimal, durationMs, engine: engine.name };
}

// Only a pool thread, started with TaskData, has an engine here; the calling thread imports this module
// for computeWith. A helper thread, when the engine has one, belongs to this thread: it is bounded to
// one per pool thread, and it ends when the pool terminates this thread (on close, cancellation or
// time limit).
const data = workerData as TaskData | null;
const engine = data ? selectEngine(data.engine, { parallelism: data.parallelism, maxMemoryMb: data.maxMemoryMb }) : undefined;

export async function compute({ index }: ComputeRequest): Promise<ComputeResult> {
  const result = await computeWith(engine!, index);
  return transfer(result, result.decimal ? [result.value, result.decimal] : [result.value]);
}

export async function decimal({ value }: DecimalRequest): Promise<Uint8Array> {
  return move(await engine!.decimal(value)) as Uint8Array;
}

/** Piscina's protocol for a result that carries transferable buffers inside a plain object. */
function transfer<T extends object>(result: T, views: Uint8Array[]): T {
  return move({ [transferableSymbol]: views.map((view) => view.buffer), [valueSymbol]: result }) as T;
}
