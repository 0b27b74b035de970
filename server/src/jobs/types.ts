/**
 * The job registry: every job's name, payload and id in one place. Payloads carry ids only; handlers
 * re-read state from Postgres, so a job delivered twice is harmless.
 */
import type { FibEngine } from '../fib/engine.js';

export enum JobName {
  /** One calculation, claimed before it is computed: large values, and work queued again alone. */
  ComputeFibonacci = 'compute-fibonacci',
  /** The cheap calculations one submission batch queued, computed and stored together. */
  ComputeFibonacciBatch = 'compute-fibonacci-batch',
  /** Periodic: backs the database up to BACKUP_DIR or the bucket. */
  Backup = 'backup',
  /** Periodic: removes finished jobs and old submissions. */
  Prune = 'prune',
  /** Periodic: re-queues calculations recorded in Postgres but missing from the queue. */
  Reconcile = 'reconcile',
}

/**
 * Where a job waits and runs. Batches of cheap calculations have a lane of their own, run one at a time
 * in each worker process: each takes milliseconds, and a worker that runs several at once asks the
 * queue for one more every time it takes one, and finds nothing (in the load benchmark, 2.5 fetches per
 * batch). Large calculations and periodic jobs run in the other lane, up to the worker's concurrency,
 * so that a value taking seconds holds up no batch.
 */
export const lanes = ['batches', 'jobs'] as const;
export type Lane = (typeof lanes)[number];
export const laneOf = (name: JobName): Lane => (name === JobName.ComputeFibonacciBatch ? 'batches' : 'jobs');
/** Batch jobs a worker process runs at once. */
export const BATCH_CONCURRENCY = 1;
/** Jobs of a lane a worker process runs at once, given the worker's concurrency. */
export const laneConcurrency = (lane: Lane, concurrency: number): number => (lane === 'batches' ? BATCH_CONCURRENCY : concurrency);

/** Jobs that run on a cron schedule rather than being enqueued by a service. */
export const scheduledJobs = [JobName.Backup, JobName.Prune, JobName.Reconcile] as const;
export type ScheduledJobName = (typeof scheduledJobs)[number];
/** A cron expression (UTC) per periodic job, or `off`. */
export type Schedules = Record<ScheduledJobName, string>;
export const isScheduled = (name: JobName): name is ScheduledJobName => (scheduledJobs as readonly JobName[]).includes(name);

/** How a periodic job's latest run ended: completed, or failed on its last attempt (a retry is no outcome yet). */
export interface ScheduledRun {
  /** When it ended. */
  at: string;
  outcome: 'completed' | 'failed';
  /** How long its last attempt took. */
  durationMs: number;
  /** The error's first line, shortened, when it failed. */
  error?: string;
}

/** A periodic job as the queue holds it: what every worker declared, and what the last run did. */
export interface ScheduleInfo {
  name: ScheduledJobName;
  /** Its cron expression (UTC), or `off`. */
  pattern: string;
  /** When it runs next; null when off. */
  next: string | null;
  /** Null until a run has ended (since Redis was last emptied, or the process started, in process). */
  last: ScheduledRun | null;
}

/** One calculation to compute: an attempt of F(index). */
export interface CalculationJob {
  index: number;
  attempt: number;
  /** The HTTP request that queued it, so the worker's logs carry the same id. */
  requestId?: string;
}

export interface JobPayloads {
  [JobName.ComputeFibonacci]: CalculationJob;
  /** `batch`: the id the calculations share in Postgres (migration 0006). */
  [JobName.ComputeFibonacciBatch]: { batch: string; calculations: CalculationJob[] };
  [JobName.Backup]: Record<string, never>;
  [JobName.Prune]: Record<string, never>;
  [JobName.Reconcile]: Record<string, never>;
}

const ids: { [N in JobName]: (payload: JobPayloads[N]) => string } = {
  [JobName.ComputeFibonacci]: ({ index, attempt }) => `fib-${index}-${attempt}`,
  [JobName.ComputeFibonacciBatch]: ({ batch }) => `fibs-${batch}`,
  // Periodic jobs get their ids from the scheduler (one per tick); enqueued by hand, one runs at a time.
  [JobName.Backup]: () => JobName.Backup,
  [JobName.Prune]: () => JobName.Prune,
  [JobName.Reconcile]: () => JobName.Reconcile,
};

/** Deterministic ids: the same work enqueued twice is one job. */
export function jobId<N extends JobName>(name: N, payload: JobPayloads[N]): string {
  return ids[name](payload);
}

/** One job per batch, each with the calculations given of that batch. */
export function batchJobs(calculations: Array<CalculationJob & { batch: string }>): JobRequest[] {
  const batches = new Map<string, CalculationJob[]>();
  for (const { batch, ...calculation } of calculations) {
    const members = batches.get(batch) ?? [];
    if (members.length === 0) batches.set(batch, members);
    members.push(calculation);
  }
  return [...batches].map(([batch, members]) => ({ name: JobName.ComputeFibonacciBatch, payload: { batch, calculations: members } }));
}

/**
 * One job to enqueue, for `enqueueMany`. `since`: when its work was asked for. A queue keeps finished
 * jobs a while and takes a new job under the id of one for a duplicate; a finished job of the same id
 * from before `since` is of an earlier life of the work (a calculation made again after a restore
 * brought back lower attempts) and is replaced instead.
 */
export type JobRequest = { [N in JobName]: { name: N; payload: JobPayloads[N]; since?: Date } }[JobName];

export interface JobContext {
  /** Aborted when the worker's stop gives the job up (a WorkerStoppedError its reason), or BullMQ cancels it. */
  signal: AbortSignal;
  /** 1 on the first try. */
  attempt: number;
  /** Tries the job has in all, as the process that queued it set them: the last is `attempt === attempts`. */
  attempts: number;
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

/** Where a job is in its life, as both queues count it. */
export const jobStates = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
export type JobState = (typeof jobStates)[number];
export type JobCounts = Record<JobState, number>;

export interface QueueOptions {
  /** Attempts before a job is failed for good. */
  attempts: number;
  /** Longest `stopWorking` waits for running jobs; past it they are handed back to the queue, not failed. */
  closeTimeoutMs: number;
}

export interface WorkerOptions {
  /** Jobs of the `jobs` lane running at once; batches run beside them, BATCH_CONCURRENCY at a time. */
  concurrency: number;
  /** The engine this process computes with: an image built without GMP shows as `bigint`. */
  engine: FibEngine['name'];
}

/** A worker process consuming this queue, as its heartbeats tell. */
export interface Heartbeat {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  engine: FibEngine['name'];
  startedAt: string;
  lastHeartbeat: string;
}

/** A job a worker is running: enough for an operator to tell what it works on and for how long. */
export interface RunningJob {
  name: JobName;
  /** The queue's id for it (jobId): a calculation's carries its index and attempt. */
  id: string;
  /** When its current try started. */
  startedAt: string;
  /** The index of a calculation (compute-fibonacci). */
  index?: number;
  /** How many calculations a batch holds (compute-fibonacci-batch). */
  calculations?: number;
}

/** Running jobs listed per worker; the rest are counted only. */
export const RUNNING_LISTED = 20;

/** A worker process: its heartbeat, and the jobs it runs at this moment. */
export interface WorkerInfo extends Heartbeat {
  /** The jobs it has run longest, longest first, RUNNING_LISTED at most. */
  running: RunningJob[];
  /** How many jobs it runs in all. */
  runningCount: number;
}

/** How often a working process says it is alive; one silent for three beats is no longer listed. */
export const HEARTBEAT_MS = 10_000;

/** The queue, as the services see it; BullMQ on Redis or in process. Both pass the same contract tests. */
export interface JobQueue {
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<void>;
  /** Several at once, in one round trip to the backend. */
  enqueueMany(jobs: JobRequest[]): Promise<void>;
  /** Starts consuming jobs in this process. */
  work(handlers: JobHandlers, options: WorkerOptions): Promise<void>;
  counts(): Promise<JobCounts>;
  /** The queues paused from outside (the queue dashboard), by name: nothing in them runs until resumed. */
  paused(): Promise<string[]>;
  /**
   * Declares the periodic jobs. Each runs once per tick of its cron expression however many processes
   * declare the same schedules; declaring again replaces the expression, and `off` removes the schedule.
   */
  schedule(schedules: Schedules): Promise<void>;
  /** Each periodic job, in the order of `scheduledJobs`, as declared by whichever process declared them. */
  schedules(): Promise<ScheduleInfo[]>;
  /** Worker processes heard from in the last three heartbeats, each with the jobs it runs now. */
  workers(): Promise<WorkerInfo[]>;
  /** Forgets finished (completed or failed) jobs older than this; returns how many. */
  prune(olderThanMs: number): Promise<number>;
  /** Resolves when the queue's backend answers. */
  ping(): Promise<void>;
  /** Stops taking jobs and waits for the running ones to finish. */
  stopWorking(): Promise<void>;
  close(): Promise<void>;
}
