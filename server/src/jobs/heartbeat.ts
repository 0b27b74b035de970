import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { WorkerInfo, WorkerOptions } from './types.js';

/** This process's worker, as its heartbeats describe it. */
export function describeWorker({ concurrency, engine }: WorkerOptions): () => WorkerInfo {
  const started = { id: randomUUID(), host: hostname(), pid: process.pid, concurrency, engine, startedAt: new Date().toISOString() };
  return () => ({ ...started, lastHeartbeat: new Date().toISOString() });
}
