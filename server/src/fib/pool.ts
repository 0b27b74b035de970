import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ComputeRequest, ComputeResult } from './compute.task.js';

export interface FibPoolOptions {
  /** Worker threads computing at once; each holds at most one value in memory. */
  threads: number;
  /** A computation still running after this long is abandoned and its thread replaced. */
  timeoutMs: number;
}

/**
 * Computes F(n) on worker threads so the event loop stays free to renew job locks and answer HTTP
 * while a large value is being computed.
 */
export class FibPool {
  private readonly piscina: Piscina<ComputeRequest, ComputeResult>;

  constructor(private readonly options: FibPoolOptions) {
    const self = fileURLToPath(import.meta.url);
    const extension = extname(self);
    this.piscina = new Piscina({
      filename: new URL(`./compute.task${extension}`, import.meta.url).href,
      minThreads: 0,
      maxThreads: options.threads,
      idleTimeout: 30_000,
      // Running from source (tests, `npm run dev`): the thread needs the same TypeScript loader.
      execArgv: extension === '.ts' ? ['--import', 'tsx'] : [],
    });
  }

  compute(index: number, signal?: AbortSignal): Promise<ComputeResult> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    return this.piscina.run({ index }, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  }

  async close(): Promise<void> {
    await this.piscina.close({ force: true });
  }
}
