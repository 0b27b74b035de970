import { CronExpressionParser } from 'cron-parser';
import { describeWorker, listRunning, runningJob } from './heartbeat.js';
import { outcomeOf, runJob, WorkerStoppedError } from './run-job.js';
import { recordRun, type KeepRun } from './scheduled-run.js';
import {
  jobId,
  jobStates,
  laneConcurrency,
  laneOf,
  lanes,
  retryPolicy,
  scheduledJobs,
  type Heartbeat,
  type JobCounts,
  type JobHandlers,
  type JobName,
  type JobPayloads,
  type JobQueue,
  type JobRequest,
  type JobState,
  type Lane,
  type QueueOptions,
  type ScheduledJobName,
  type ScheduledRun,
  type ScheduleInfo,
  type Schedules,
  type WorkerInfo,
  type WorkerOptions,
} from './types.js';

interface MemoryJob {
  id: string;
  name: JobName;
  payload: JobPayloads[JobName];
  attemptsMade: number;
  state: JobState;
  /** When its current try started, while it runs. */
  startedAt?: number;
  finishedAt?: number;
}

/** Finished jobs remembered (for de-duplication and counts), as BullMQ keeps a bounded number. */
const KEEP_FINISHED = 1_000;
/** The longest delay setTimeout keeps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The job queue of the embedded default: same semantics as the BullMQ queue (deterministic ids, lanes
 * and their concurrency, retries with exponential backoff) in one process. Jobs live in memory;
 * Postgres holds the record, and reconciliation at start re-queues whatever a stopped process left
 * unfinished.
 */
export class MemoryQueue implements JobQueue {
  private readonly jobs = new Map<string, MemoryJob>();
  private readonly waiting: Record<Lane, MemoryJob[]> = { batches: [], jobs: [] };
  /** Ids of finished jobs, oldest first. */
  private readonly finished: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Each periodic job that is on: its expression, its next tick (ms) and the timer waiting for it. */
  private readonly declared = new Map<ScheduledJobName, { pattern: string; tick: number; timer: NodeJS.Timeout }>();
  /** How each periodic job's latest run ended. */
  private readonly lastRuns = new Map<ScheduledJobName, ScheduledRun>();
  private readonly keepRun: KeepRun = (name, run) => void this.lastRuns.set(name, run);
  /** Each lane's running jobs, by the run that ends when the job has finished or gone back. */
  private readonly running: Record<Lane, Map<Promise<void>, MemoryJob>> = { batches: new Map(), jobs: new Map() };
  private handlers: JobHandlers | undefined;
  private concurrency = 0;
  private stopping = new AbortController();
  private worker: (() => Heartbeat) | undefined;

  constructor(private readonly options: QueueOptions) {}

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<void> {
    this.add(jobId(name, payload), name, payload);
  }

  async enqueueMany(jobs: JobRequest[]): Promise<void> {
    for (const { name, payload, since } of jobs) this.add(jobId<JobName>(name, payload), name, payload, since);
  }

  private add<N extends JobName>(id: string, name: N, payload: JobPayloads[N], since?: Date): void {
    const existing = this.jobs.get(id);
    // A finished job of an earlier life of the work is replaced (see JobRequest).
    if (existing?.finishedAt !== undefined && since && existing.finishedAt < since.getTime()) {
      this.jobs.delete(id);
      this.finished.splice(this.finished.indexOf(id), 1);
    } else if (existing) return;
    const job: MemoryJob = { id, name, payload, attemptsMade: 0, state: 'waiting' };
    this.jobs.set(id, job);
    this.waiting[laneOf(name)].push(job);
    this.pump();
  }

  async work(handlers: JobHandlers, options: WorkerOptions): Promise<void> {
    this.handlers = handlers;
    this.concurrency = options.concurrency;
    this.worker = describeWorker(options);
    this.stopping = new AbortController();
    this.pump();
  }

  async counts(): Promise<JobCounts> {
    const counts = Object.fromEntries(jobStates.map((state) => [state, 0])) as JobCounts;
    for (const job of this.jobs.values()) counts[job.state]++;
    return counts;
  }

  /** Nothing outside the process reaches this queue to pause it. */
  async paused(): Promise<string[]> {
    return [];
  }

  async schedule(schedules: Schedules): Promise<void> {
    for (const [name, pattern] of Object.entries(schedules) as Array<[keyof Schedules, string]>) {
      clearTimeout(this.declared.get(name)?.timer);
      this.declared.delete(name);
      if (pattern !== 'off') this.scheduleNext(name, pattern);
    }
  }

  async schedules(): Promise<ScheduleInfo[]> {
    return scheduledJobs.map((name) => {
      const declared = this.declared.get(name);
      return {
        name,
        pattern: declared?.pattern ?? 'off',
        next: declared ? new Date(declared.tick).toISOString() : null,
        last: this.lastRuns.get(name) ?? null,
      };
    });
  }

  /** The one worker of the process, while it works: its heartbeat is now, and it runs every running job. */
  async workers(): Promise<WorkerInfo[]> {
    if (!this.worker) return [];
    // A job whose run is ending (its outcome being recorded) is no longer active.
    const running = lanes.flatMap((lane) => [...this.running[lane].values()]).filter((job) => job.state === 'active');
    return [{ ...this.worker(), ...listRunning(running.map((job) => runningJob(job.name, job.id, job.payload, job.startedAt!))) }];
  }

  async prune(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const [id, job] of this.jobs) {
      if (job.finishedAt !== undefined && job.finishedAt <= cutoff) {
        this.jobs.delete(id);
        removed++;
      }
    }
    if (removed > 0) this.finished.splice(0, this.finished.length, ...this.finished.filter((id) => this.jobs.has(id)));
    return removed;
  }

  async ping(): Promise<void> {}

  async stopWorking(): Promise<void> {
    this.handlers = undefined;
    this.worker = undefined;
    // Running jobs finish, as a BullMQ worker's do; past the timeout they are stopped and handed back.
    const stop = () => this.stopping.abort(new WorkerStoppedError());
    const timer = setTimeout(stop, this.options.closeTimeoutMs);
    await Promise.allSettled(lanes.flatMap((lane) => [...this.running[lane].keys()]));
    clearTimeout(timer);
    stop();
  }

  async close(): Promise<void> {
    await this.stopWorking();
    for (const timer of this.timers) clearTimeout(timer);
    for (const { timer } of this.declared.values()) clearTimeout(timer);
    this.timers.clear();
    this.declared.clear();
  }

  /** One job per tick, its id named after the tick as BullMQ's job schedulers name theirs. */
  private scheduleNext(name: keyof Schedules, pattern: string, tick = this.nextTick(pattern)): void {
    const wait = tick - Date.now();
    // setTimeout fires at once past ~24.8 days: a tick further away is waited for in steps.
    const timer = setTimeout(() => {
      if (wait > MAX_TIMER_MS) return this.scheduleNext(name, pattern, tick);
      this.add(`repeat:${name}:${tick}`, name, {});
      this.scheduleNext(name, pattern);
    }, Math.min(wait, MAX_TIMER_MS));
    this.declared.set(name, { pattern, tick, timer });
  }

  private nextTick(pattern: string): number {
    return CronExpressionParser.parse(pattern, { tz: 'UTC' }).next().getTime();
  }

  private pump(): void {
    for (const lane of lanes) {
      const running = this.running[lane];
      while (this.handlers && running.size < laneConcurrency(lane, this.concurrency) && this.waiting[lane].length > 0) {
        const job = this.waiting[lane].shift()!;
        const run = this.run(this.handlers, job).finally(() => {
          running.delete(run);
          this.pump();
        });
        running.set(run, job);
      }
    }
  }

  private async run(handlers: JobHandlers, job: MemoryJob): Promise<void> {
    job.state = 'active';
    job.attemptsMade++;
    const context = { signal: this.stopping.signal, attempt: job.attemptsMade, attempts: this.options.attempts, id: job.id };
    const startedAt = Date.now();
    job.startedAt = startedAt;
    try {
      await runJob(handlers, job.name, job.payload, context);
      this.finish(job, 'completed');
      await recordRun(this.keepRun, job.name, 'completed', startedAt);
    } catch (error) {
      const outcome = outcomeOf(error, context);
      await recordRun(this.keepRun, job.name, outcome, startedAt, error);
      switch (outcome) {
        case 'retry-later':
          job.attemptsMade--;
          this.retryLater(job, retryPolicy.transientDelayMs);
          break;
        case 'handed-back':
          // Shutting down: the job is handed back, as a BullMQ job whose worker stops is.
          job.attemptsMade--;
          job.state = 'waiting';
          this.waiting[laneOf(job.name)].unshift(job);
          break;
        case 'retry':
          this.retryLater(job, retryPolicy.backoffMs * 2 ** (job.attemptsMade - 1));
          break;
        case 'failed':
          this.finish(job, 'failed');
      }
    }
  }

  private retryLater(job: MemoryJob, delayMs: number): void {
    job.state = 'delayed';
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      job.state = 'waiting';
      this.waiting[laneOf(job.name)].push(job);
      this.pump();
    }, delayMs);
    this.timers.add(timer);
  }

  private finish(job: MemoryJob, state: 'completed' | 'failed'): void {
    job.state = state;
    job.finishedAt = Date.now();
    this.finished.push(job.id);
    if (this.finished.length > KEEP_FINISHED) this.jobs.delete(this.finished.shift()!);
  }
}
