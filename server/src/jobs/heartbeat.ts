import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { WorkerInfo } from './types.js';

/** This process's worker, as its heartbeats describe it. */
export function describeWorker(concurrency: number): () => WorkerInfo {
  const started = { id: randomUUID(), host: hostname(), pid: process.pid, concurrency, startedAt: new Date().toISOString() };
  return () => ({ ...started, lastHeartbeat: new Date().toISOString() });
}
