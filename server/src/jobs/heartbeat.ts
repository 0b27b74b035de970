import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { JobName, RUNNING_LISTED, type Heartbeat, type JobPayloads, type RunningJob, type WorkerInfo, type WorkerOptions } from './types.js';

/** This process's worker, as its heartbeats describe it. */
export function describeWorker({ concurrency, engine }: WorkerOptions): () => Heartbeat {
  const started = { id: randomUUID(), host: hostname(), pid: process.pid, concurrency, engine, startedAt: new Date().toISOString() };
  return () => ({ ...started, lastHeartbeat: new Date().toISOString() });
}

/**
 * A running job as the admin page shows it. The payload is read defensively: on Redis it may come from a
 * process of another release.
 */
export function runningJob(name: JobName, id: string, payload: JobPayloads[JobName], startedAt: number): RunningJob {
  const job: RunningJob = { name, id, startedAt: new Date(startedAt).toISOString() };
  if (name === JobName.ComputeFibonacci && 'index' in payload && typeof payload.index === 'number') job.index = payload.index;
  if (name === JobName.ComputeFibonacciBatch && 'calculations' in payload && Array.isArray(payload.calculations)) job.calculations = payload.calculations.length;
  return job;
}

/** One worker's running jobs, the longest-running first and RUNNING_LISTED at most, and how many there are. */
export function listRunning(jobs: RunningJob[]): Pick<WorkerInfo, 'running' | 'runningCount'> {
  const running = [...jobs].sort((a, b) => a.startedAt.localeCompare(b.startedAt)).slice(0, RUNNING_LISTED);
  return { running, runningCount: jobs.length };
}
