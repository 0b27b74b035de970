/**
 * The second thread of a computation on two threads (twothreads.ts): it squares a number or converts
 * one to decimal while the calling thread does the other half of the work. Numbers arrive as BigInts
 * (structured clone copies their digits, in linear time) and digits leave as transferred bytes.
 */
import { parentPort } from 'node:worker_threads';
import { asciiBytes } from './codec.js';

export type HelperRequest = { id: number; op: 'square' | 'decimal'; value: bigint };
export type HelperReply = { id: number; square: bigint } | { id: number; digits: Uint8Array } | { id: number; error: string };

const port = parentPort!;

port.on('message', ({ id, op, value }: HelperRequest) => {
  try {
    if (op === 'square') {
      port.postMessage({ id, square: value * value } satisfies HelperReply);
    } else {
      const digits = asciiBytes(value.toString());
      port.postMessage({ id, digits } satisfies HelperReply, [digits.buffer as ArrayBuffer]);
    }
  } catch (error) {
    port.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies HelperReply);
  }
});
