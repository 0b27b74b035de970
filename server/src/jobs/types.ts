/**
 * The job registry: every job's name, payload and id in one place. Payloads carry ids only; handlers
 * re-read state from Postgres, so a job delivered twice is harmless.
 */
export enum JobName {
  ComputeFibonacci = 'compute-fibonacci',
}

export interface JobPayloads {
  [JobName.ComputeFibonacci]: { index: number; attempt: number };
}

export type JobPayload<N extends JobName = JobName> = JobPayloads[N];

/** Deterministic ids: the same work enqueued twice is one job. */
export const jobIds: { [N in JobName]: (payload: JobPayloads[N]) => string } = {
  [JobName.ComputeFibonacci]: ({ index, attempt }) => `fib-${index}-${attempt}`,
};

export function jobId<N extends JobName>(name: N, payload: JobPayloads[N]): string {
  return jobIds[name](payload);
}

export interface JobContext {
  /** Aborted when the worker shuts down or gives the job up. */
  signal: AbortSignal;
  /** 1 on the first try. */
  attempt: number;
  /** The queue's id for this job, for logs. */
  id: string;
}

export interface JobHandler<N extends JobName> {
  handle(payload: JobPayloads[N], context: JobContext): Promise<void>;
  /** Called once when the last attempt has failed. */
  onFailed?(payload: JobPayloads[N], error: Error): Promise<void>;
}

/** Exactly one handler per job name: the compiler checks it, and `assertHandlers` checks it at boot. */
export type JobHandlers = { [N in JobName]: JobHandler<N> };

export function assertHandlers(handlers: Partial<JobHandlers>): asserts handlers is JobHandlers {
  const missing = Object.values(JobName).filter((name) => !handlers[name]);
  if (missing.length > 0) throw new Error(`No handler for job(s): ${missing.join(', ')}`);
}

/** How every job is retried: set once, here. */
export const retryPolicy = {
  /** First retry after a failure; doubled each time. */
  backoffMs: 1_000,
  /** Retry after Postgres or Redis failed to answer; such a failure spends no attempt. */
  transientDelayMs: 2_000,
} as const;

export type JobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';
export type JobCounts = Record<JobState, number>;

export interface QueueOptions {
  /** Attempts before a job is failed for good. */
  attempts: number;
}

export interface WorkerOptions {
  concurrency: number;
}

/** The queue, as the services see it; BullMQ on Redis or in process. Both pass the same contract tests. */
export interface JobQueue {
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<void>;
  /** Starts consuming jobs in this process. */
  work(handlers: JobHandlers, options: WorkerOptions): Promise<void>;
  counts(): Promise<JobCounts>;
  /** Resolves when the queue's backend answers. */
  ping(): Promise<void>;
  /** Stops taking jobs and waits for the running ones to finish. */
  stopWorking(): Promise<void>;
  close(): Promise<void>;
}
