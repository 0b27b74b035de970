import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { fromBytes } from './codec.js';
import { fibonacci } from './fibonacci.js';
import { loadNativeEngine } from './native.js';
import { ComputeTimeLimitError, FibPool } from './pool.js';

// Time limits, cancellation and the heap limit are shown on the BigInt engine: GMP allocates outside
// the heap and cannot be interrupted mid-call (see FibPoolOptions.engine).
const pool = new FibPool({ threads: 2, timeoutMs: 20_000, maxMemoryMb: 256, engine: 'bigint' });
afterAll(() => pool.close());

const ascii = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe('FibPool', () => {
  it('hands an error of the pool with no task to fail (a thread dead while idle) to onError, not to the process', async () => {
    const errors: Error[] = [];
    const watched = new FibPool({ threads: 1, timeoutMs: 20_000, maxMemoryMb: 256, engine: 'bigint', onError: (error) => errors.push(error) });
    try {
      // What Piscina emits then (its _onError with no unfinished task).
      (watched as unknown as { piscina: NodeJS.EventEmitter }).piscina.emit('error', new Error('thread exited'));
      expect(errors.map((error) => error.message)).toEqual(['thread exited']);
      expect(fromBytes((await watched.compute(100_001)).value)).toBe(fibonacci(100_001));
    } finally {
      await watched.close();
    }
  });

  it('computes F(n) as bytes and converts it to decimal on its threads', async () => {
    const { value, durationMs, engine } = await pool.compute(100_000);
    expect(fromBytes(value)).toBe(fibonacci(100_000));
    expect(durationMs).toBeGreaterThanOrEqual(0);
    expect(engine).toMatch(/^(gmp|bigint)$/);
    expect(ascii(await pool.decimal(value))).toBe(fibonacci(100_000).toString());
    expect(ascii(await pool.decimal((await pool.compute(0)).value))).toBe('0');
  });

  it('sends the decimal along only for values small enough to convert at no cost', async () => {
    const small = await pool.compute(1000);
    expect(ascii(small.decimal!)).toBe(fibonacci(1000).toString());
    expect((await pool.compute(100_000)).decimal).toBeNull();
  });

  it('keeps the event loop free while a long computation runs', async () => {
    await pool.compute(1); // the thread's start-up (loading TypeScript) is not what is measured
    const delay = monitorEventLoopDelay({ resolution: 5 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    delay.enable();
    const started = performance.now();
    const { value } = await pool.compute(40_000_000);
    await pool.decimal(value.subarray(0, 250_000)); // about 600,000 digits
    const elapsed = performance.now() - started;
    delay.disable();
    clearInterval(timer);
    // Run on this thread, the work would delay one tick by all of `elapsed`; the machine's other load
    // (parallel test files, shared cores) may delay a tick a little, never by a large share of it.
    expect(elapsed).toBeGreaterThan(400);
    expect(delay.max / 1e6).toBeLessThan(elapsed / 4);
    expect(ticks).toBeGreaterThan(elapsed / 5 / 4);
  });

  it('cancels a running computation by its signal and keeps serving', async () => {
    const controller = new AbortController();
    const running = pool.compute(200_000_000, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(fromBytes((await pool.compute(90)).value)).toBe(2880067194370816120n);
  });

  it('abandons a task that runs past its time limit', async () => {
    const hurried = new FibPool({ threads: 1, timeoutMs: 100, maxMemoryMb: 256, engine: 'bigint' });
    try {
      await expect(hurried.compute(200_000_000)).rejects.toBeInstanceOf(ComputeTimeLimitError);
    } finally {
      await hurried.close();
    }
  });

  it('counts a task’s time limit from when a thread takes it, not while it waits for one', async () => {
    const busy = new FibPool({ threads: 1, timeoutMs: 1_000, maxMemoryMb: 256, engine: 'bigint' });
    try {
      // The one thread is held for the whole limit; the next task waits that long, then runs in far less.
      const held = busy.compute(200_000_000);
      const waiting = busy.compute(200_001);
      await expect(held).rejects.toBeInstanceOf(ComputeTimeLimitError);
      expect((await waiting).value.byteLength).toBeGreaterThan(10_000);
    } finally {
      await busy.close();
    }
  });

  it('lets a task waiting for a thread be cancelled, and fails those still waiting at close', async () => {
    const busy = new FibPool({ threads: 1, timeoutMs: 20_000, maxMemoryMb: 256, engine: 'bigint' });
    const held = busy.compute(200_000_000);
    const controller = new AbortController();
    const cancelled = busy.compute(200_001, controller.signal);
    const left = busy.compute(200_002);
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ name: 'AbortError' });
    const closing = [expect(left).rejects.toThrow('the compute pool is closed'), expect(held).rejects.toMatchObject({ name: 'AbortError' })];
    await busy.close();
    await Promise.all(closing);
  });

  it('fails a task that needs more memory than a thread may use, not the process', async () => {
    const small = new FibPool({ threads: 1, timeoutMs: 20_000, maxMemoryMb: 16, engine: 'bigint' });
    try {
      await expect(small.compute(150_000_000)).rejects.toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });
      expect(fromBytes((await small.compute(90)).value)).toBe(2880067194370816120n);
    } finally {
      await small.close();
    }
  });
});

describe('FibPool on the default engine', () => {
  it('uses GMP when the addon is built, and gets the same answers', async () => {
    const auto = new FibPool({ threads: 1, timeoutMs: 20_000, maxMemoryMb: 256 });
    try {
      const { value, engine } = await auto.compute(150_000);
      expect(engine).toBe(loadNativeEngine() ? 'gmp' : 'bigint');
      expect(fromBytes(value)).toBe(fibonacci(150_000));
      expect(ascii(await auto.decimal(value))).toBe(fibonacci(150_000).toString());
    } finally {
      await auto.close();
    }
  });
});

describe('FibPool with two threads per computation', () => {
  it('gives the answers of one thread, and cancels a running computation with its helper', async () => {
    const pair = new FibPool({ threads: 1, timeoutMs: 20_000, maxMemoryMb: 256, engine: 'bigint', parallelism: 2 });
    try {
      for (const n of [90, 1_000_000, 1_000_001]) {
        const { value } = await pair.compute(n);
        expect(fromBytes(value), `F(${n})`).toBe(fibonacci(n));
        expect(ascii(await pair.decimal(value)), `F(${n})`).toBe(fibonacci(n).toString());
      }
      const controller = new AbortController();
      const running = pair.compute(200_000_000, controller.signal);
      setTimeout(() => controller.abort(), 300);
      await expect(running).rejects.toMatchObject({ name: 'AbortError' });
      expect(fromBytes((await pair.compute(2_000_000)).value)).toBe(fibonacci(2_000_000));
    } finally {
      await pair.close();
    }
  });
});
