import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { computeWith, type ComputeRequest, type ComputeResult, type DecimalRequest, type TaskData } from './compute.task.js';
import { selectEngine, type EngineChoice, type FibEngine } from './engine.js';
import { INLINE_MAX_INDEX } from './limits.js';


export interface FibPoolOptions {
  /** Worker threads computing at once; each holds at most one value in memory. */
  threads: number;
  /**
   * A task still running after this long is abandoned and its thread replaced (ComputeTimeLimitError).
   * The time counts from when a thread takes the task: waiting for one behind other tasks does not.
   */
  timeoutMs: number;
  /**
   * Heap limit of each thread in MiB. A task that needs more fails alone (its thread is replaced)
   * instead of taking the process down; F(10^8) needs about 100.
   */
  maxMemoryMb: number;
  /**
   * The arithmetic: `auto` (the default) is GMP when the addon is built, else BigInt. GMP allocates
   * outside the JavaScript heap, so `maxMemoryMb` does not bound it, and a running GMP call finishes
   * before its cancelled thread ends; MAX_EXACT_INDEX is what bounds both.
   */
  engine?: EngineChoice;
  /**
   * Threads one computation or decimal conversion may use (default 1). With 2, each pool thread running
   * the BigInt engine starts one helper thread of its own, on first use, and shares with it the
   * values large enough to gain from it (twothreads.ts): at most `threads` × 2 threads are busy at once.
   */
  parallelism?: 1 | 2;
  /**
   * Told of what fails with no task to fail with it (a thread that dies while idle, a close that times
   * out); without it, such an error would end the process.
   */
  onError?: (error: Error) => void;
}

/** A task ran past `timeoutMs`. */
export class ComputeTimeLimitError extends Error {
  override readonly name = 'ComputeTimeLimitError';
}

/**
 * Computes F(n), and its decimal digits, on worker threads so that the event loop stays free to renew
 * job locks and answer HTTP while a large value is being computed. A synchronous computation cannot be
 * interrupted, so cancelling a running task (by its signal or the time limit) terminates its thread.
 */
export class FibPool {
  private readonly piscina: Piscina<ComputeRequest | DecimalRequest, ComputeResult | Uint8Array>;
  /** A task reaches Piscina only with a thread free for it, so that its time limit is its running time. */
  private readonly threads: Slots;
  /** The engine of small indexes, computed on the calling thread. */
  private inline: FibEngine | undefined;

  constructor(private readonly options: FibPoolOptions) {
    this.threads = new Slots(options.threads);
    const fromSource = extname(fileURLToPath(import.meta.url)) === '.ts';
    this.piscina = new Piscina({
      filename: new URL(fromSource ? './compute.task.dev.mjs' : './compute.task.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: options.threads,
      idleTimeout: 30_000,
      resourceLimits: { maxOldGenerationSizeMb: options.maxMemoryMb },
      workerData: {
        engine: options.engine ?? 'auto',
        parallelism: options.parallelism ?? 1,
        maxMemoryMb: options.maxMemoryMb,
      } satisfies TaskData,
    });
    this.piscina.on('error', (error: Error) => options.onError?.(error));
  }

  /** F(index) as big-endian bytes, with the time the thread spent computing it. */
  compute(index: number, signal?: AbortSignal): Promise<ComputeResult> {
    if (index <= INLINE_MAX_INDEX) {
      // One thread: a value this small gains nothing from a helper.
      this.inline ??= selectEngine(this.options.engine ?? 'auto');
      return computeWith(this.inline, index);
    }
    return this.run({ index }, 'compute', signal) as Promise<ComputeResult>;
  }

  /** The decimal digits (ASCII) of a value given as big-endian bytes. */
  decimal(value: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    return this.run({ value }, 'decimal', signal) as Promise<Uint8Array>;
  }

  async close(): Promise<void> {
    this.threads.close(new Error('the compute pool is closed'));
    await this.piscina.close({ force: true });
  }

  private async run(task: ComputeRequest | DecimalRequest, name: string, signal?: AbortSignal) {
    const release = await this.threads.take(signal);
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    try {
      return await this.piscina.run(task, { name, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      if (timeout.aborted && !signal?.aborted) {
        throw new ComputeTimeLimitError(`${name} ran past ${this.options.timeoutMs} ms`, { cause: error });
      }
      throw error;
    } finally {
      release();
    }
  }
}

/**
 * A count of free threads, taken in turn. A waiter whose signal aborts leaves the line with the signal's
 * reason, as a task Piscina had queued would; closing fails everyone still waiting.
 */
class Slots {
  private readonly waiting: Array<{ grant(): void; fail(error: unknown): void }> = [];
  private closed: Error | undefined;

  constructor(private free: number) {}

  /** Resolves once a slot is this caller's, with the function that gives it back. */
  async take(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.closed) throw this.closed;
    if (this.free > 0) this.free--;
    else {
      await new Promise<void>((resolve, reject) => {
        const waiter = {
          grant: () => {
            signal?.removeEventListener('abort', leave);
            resolve();
          },
          fail: (error: unknown) => {
            signal?.removeEventListener('abort', leave);
            reject(error);
          },
        };
        const leave = () => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(signal!.reason);
        };
        this.waiting.push(waiter);
        signal?.addEventListener('abort', leave, { once: true });
      });
    }
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.waiting.shift();
      if (next) next.grant();
      else this.free++;
    };
  }

  close(error: Error): void {
    this.closed = error;
    for (const waiter of this.waiting.splice(0)) waiter.fail(error);
  }
}
