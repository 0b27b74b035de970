import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HelperReply, HelperRequest } from './helper.task.js';

/**
 * One worker thread that takes half of a large computation (helper.task.ts). Started on first use and
 * kept for the next; it never keeps the process alive while idle, and it ends with the thread that
 * owns it (a pool thread that is terminated takes its helper along). A helper that dies (out of
 * memory, terminated) fails the calls in flight, and the next call starts a new one.
 */
export class HelperThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (reply: HelperReply) => void; reject: (error: Error) => void }>();
  private nextId = 0;

  /** `maxMemoryMb`: the helper's heap limit, as for the pool's threads. */
  constructor(private readonly maxMemoryMb?: number) {}

  async square(value: bigint): Promise<bigint> {
    const reply = await this.call('square', value);
    if (!('square' in reply)) throw new Error('helper thread answered a square with something else');
    return reply.square;
  }

  /** The decimal digits (ASCII) of a non-negative value. */
  async decimal(value: bigint): Promise<Uint8Array> {
    const reply = await this.call('decimal', value);
    if (!('digits' in reply)) throw new Error('helper thread answered a decimal with something else');
    return reply.digits;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.fail(worker, new Error('helper thread closed'));
    await worker.terminate();
  }

  private call(op: HelperRequest['op'], value: bigint): Promise<HelperReply> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref(); // a caller is waiting on it: keep the event loop alive
    return new Promise<HelperReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, value } satisfies HelperRequest);
    }).then((reply) => {
      if ('error' in reply) throw new Error(`helper thread: ${reply.error}`);
      return reply;
    });
  }

  private start(): Worker {
    const fromSource = extname(fileURLToPath(import.meta.url)) === '.ts';
    const worker = new Worker(new URL(fromSource ? './helper.task.dev.mjs' : './helper.task.js', import.meta.url), {
      resourceLimits: this.maxMemoryMb ? { maxOldGenerationSizeMb: this.maxMemoryMb } : undefined,
    });
    worker.unref();
    worker.on('message', (reply: HelperReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      waiting?.resolve(reply);
    });
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => this.fail(worker, new Error(`helper thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return; // already failed or closed: its calls were settled then
    this.worker = undefined;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}
