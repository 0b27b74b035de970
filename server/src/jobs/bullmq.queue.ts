import { setMaxListeners } from 'node:events';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import { outcomeWithin } from '../lib/timeout.js';
import { describeWorker, listRunning, runningJob } from './heartbeat.js';
import { outcomeOf, recordFailure, runJob, WorkerLostError, WorkerStoppedError } from './run-job.js';
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
  type JobHandler,
  type JobHandlers,
  type JobName,
  type JobPayloads,
  type JobQueue,
  type JobRequest,
  type Lane,
  type QueueOptions,
  type RunningJob,
  HEARTBEAT_MS,
  type ScheduledRun,
  type ScheduleInfo,
  type Schedules,
  type WorkerInfo,
  type WorkerOptions,
} from './types.js';

/**
 * One BullMQ queue per lane (types.ts). A batch job found in the other queue (enqueued by an api process
 * of an earlier release, during a rolling update) still runs: every worker handles every job name. If
 * reconciliation sends it to its own queue meanwhile, it may be computed twice; each record changes once.
 */
export const QUEUE_NAMES: Record<Lane, string> = { jobs: 'calculations', batches: 'calculation-batches' };
const PRUNE_BATCH = 1_000;
/** How long stopped jobs have to go back to the queue once a stop's close timeout has passed. */
const HAND_BACK_MS = 2_000;
/** The same error from the same source is logged once in this long: a Redis outage repeats it at every reconnect. */
const ERROR_LOG_INTERVAL_MS = 60_000;
/**
 * Active jobs read per queue to tell what each worker runs, the longest-running first: more than the
 * workers of any deployment we size for run at once. Past it, the latest started go uncounted.
 */
const ACTIVE_READ = 1_000;
/** A job of a name this release does not know waits this long before a worker takes it again. */
const UNKNOWN_JOB_DELAY_MS = 5_000;

export interface BullmqQueueOptions extends QueueOptions {
  /** Used by the queue and for commands; fails fast when Redis is away. */
  connection: Redis;
  /** Opens the worker's own blocking connection. */
  createWorkerConnection: () => Redis;
  prefix: string;
  /** How long a worker's lock on a job lasts without renewal; also how often stalled jobs are looked for. */
  lockMs: number;
  logger: Logger;
}

/** The job queue on Redis, with BullMQ's production settings (see BullMQ's going-to-production guide). */
export class BullmqQueue implements JobQueue {
  private readonly queues: Record<Lane, Queue>;
  /** This process's BullMQ workers, one per lane, while it works. */
  private running: Worker[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  private workerId: string | undefined;
  private readonly emptiedListeners: Array<() => void> = [];
  /** The schedules this process declared, which its heartbeat keeps declared (see keepScheduled). */
  private declared: Partial<Schedules> = {};
  /** Aborted when jobs still run at a stop's close timeout: they are stopped and handed back. */
  private stopping = new AbortController();
  /** Names of jobs this release does not know, each warned of once. */
  private readonly unknownJobNames = new Set<string>();

  constructor(private readonly options: BullmqQueueOptions) {
    const queue = (name: string) =>
      new Queue(name, {
        connection: options.connection,
        prefix: options.prefix,
        defaultJobOptions: {
          attempts: options.attempts,
          backoff: { type: 'exponential', delay: retryPolicy.backoffMs },
          // Postgres is the record; Redis keeps finished jobs only as long as a dashboard needs them.
          removeOnComplete: { age: 3_600, count: 1_000 },
          removeOnFail: { age: 7 * 24 * 3_600, count: 10_000 },
        },
      }).on('error', logErrors(options.logger, `queue ${name}`));
    this.queues = { jobs: queue(QUEUE_NAMES.jobs), batches: queue(QUEUE_NAMES.batches) };
  }

  /** The BullMQ queues themselves, for the dashboard at /admin/queues. */
  get dashboardQueues(): Queue[] {
    return Object.values(this.queues);
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<void> {
    await this.queues[laneOf(name)].add(name, payload, { jobId: jobId(name, payload) });
  }

  async enqueueMany(jobs: JobRequest[]): Promise<void> {
    await this.removeEarlierLives(jobs);
    // One job (a submission batch's, the usual case) needs no MULTI around its one script.
    if (jobs.length === 1) return this.enqueue(jobs[0]!.name, jobs[0]!.payload);
    await Promise.all(
      lanes.map(async (lane) => {
        const members = jobs.filter(({ name }) => laneOf(name) === lane);
        if (members.length === 0) return;
        await this.queues[lane].addBulk(members.map(({ name, payload }) => ({ name, data: payload, opts: { jobId: jobId<JobName>(name, payload) } })));
      }),
    );
  }

  /** Finished jobs that a request's `since` says are of an earlier life of its work go (see JobRequest). */
  private async removeEarlierLives(jobs: JobRequest[]): Promise<void> {
    const dated = jobs.filter((job): job is JobRequest & { since: Date } => job.since !== undefined);
    if (dated.length === 0) return;
    await Promise.all(
      dated.map(async ({ name, payload, since }) => {
        const job = await this.queues[laneOf(name)].getJob(jobId<JobName>(name, payload));
        // Two sends at once may both find it: the second removal may then meet the first's new job
        // running (refused, and left alone) or, rarely, finished (sent again, it finds nothing to do).
        if (job?.finishedOn !== undefined && job.finishedOn < since.getTime()) await job.remove().catch(() => {});
      }),
    );
  }

  async work(handlers: JobHandlers, options: WorkerOptions): Promise<void> {
    this.stopping = new AbortController();
    // Each running job listens for the stop (see the processor): past 10, Node would warn of a leak.
    setMaxListeners(lanes.reduce((sum, lane) => sum + laneConcurrency(lane, options.concurrency), 0), this.stopping.signal);
    const describe = describeWorker(options);
    const workerId = describe().id;
    this.workerId = workerId;
    this.running = lanes.map((lane) => this.startWorker(handlers, lane, laneConcurrency(lane, options.concurrency), workerId));
    await Promise.all(this.running.map((worker) => worker.waitUntilReady()));
    await this.startHeartbeat(describe);
  }

  /** `workerId`: the heartbeat's id, which BullMQ records on each job the worker takes (`processedBy`). */
  private startWorker(handlers: JobHandlers, lane: Lane, concurrency: number, workerId: string): Worker {
    const worker = new Worker(
      QUEUE_NAMES[lane],
      async (job: Job, token?: string, signal?: AbortSignal) => {
        const name = job.name as JobName;
        if (!Object.hasOwn(handlers, name)) return this.handBackUnknown(job, token);
        // The job stops when BullMQ cancels it or this worker's stop runs out of time, for the reason
        // given (see outcomeOf). Its listeners go when it ends: nothing of a finished job stays attached
        // to the long-lived stop signal.
        const sources = [signal, this.stopping.signal];
        const controller = new AbortController();
        const abort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
        for (const source of sources) source?.addEventListener('abort', abort, { once: true });
        // The job's own attempts, as the process that queued it set them: one whose settings differ (a
        // rolling change of JOB_ATTEMPTS) must still record the failure on the last one BullMQ runs.
        const context = { signal: controller.signal, attempt: job.attemptsMade + 1, attempts: job.opts.attempts ?? this.options.attempts, id: job.id ?? '' };
        const startedAt = Date.now();
        try {
          await runJob(handlers, name, job.data, context);
          await recordRun(this.keepRun, name, 'completed', startedAt);
        } catch (error) {
          const outcome = outcomeOf(error, context);
          await recordRun(this.keepRun, name, outcome, startedAt, error);
          // BullMQ retries the job after its backoff, or fails it on its last attempt.
          if (outcome === 'retry' || outcome === 'failed') throw error;
          // BullMQ's way to run a job again without counting an attempt: after the delay when a dependency
          // was away, at once when handed back.
          await job.moveToDelayed(Date.now() + (outcome === 'retry-later' ? retryPolicy.transientDelayMs : 0), token);
          throw new DelayedError();
        } finally {
          for (const source of sources) source?.removeEventListener('abort', abort);
        }
      },
      {
        connection: this.options.createWorkerConnection(),
        prefix: this.options.prefix,
        name: workerId,
        concurrency,
        // A worker that died mid-job is noticed within two lock durations; the job then runs elsewhere.
        lockDuration: this.options.lockMs,
        stalledInterval: this.options.lockMs,
        maxStalledCount: 2,
      },
    );
    return (
      worker
        .on('error', logErrors(this.options.logger, `worker ${QUEUE_NAMES[lane]}`))
        // A job whose workers stopped mid-run too often BullMQ fails without running it again, so the
        // processor never sees it: its handler is told here.
        .on('failed', (job) => {
          if (job?.deferredFailure) void this.failLost(handlers, job, job.deferredFailure);
        })
    );
  }

  /**
   * A job of a name this release does not know: queued by a newer release, while a rolling update has
   * both at work. It goes back to the queue without spending an attempt, for a worker that knows it;
   * failed, its id (deterministic) would keep the same work from being queued again until it is pruned.
   */
  private async handBackUnknown(job: Job, token: string | undefined): Promise<never> {
    if (!this.unknownJobNames.has(job.name)) {
      this.unknownJobNames.add(job.name);
      this.options.logger.warn({ jobName: job.name, job: job.id }, 'a job of a name this release does not know: handed back for a worker that does');
    }
    await job.moveToDelayed(Date.now() + UNKNOWN_JOB_DELAY_MS, token);
    throw new DelayedError();
  }

  private async failLost(handlers: JobHandlers, job: Job, reason: string): Promise<void> {
    const name = job.name as JobName;
    const error = new WorkerLostError(reason);
    await recordRun(this.keepRun, name, 'failed', job.processedOn ?? Date.now(), error);
    try {
      await recordFailure(handlers[name] as JobHandler<JobName>, job.data, error);
    } catch {
      // Not recorded: without its job, the next reconciliation sends the unfinished work again.
      await job.remove().catch(() => {});
    }
  }

  /**
   * Each worker process keeps its description fresh in one Redis hash, read by the admin page. Each beat
   * also sets a marker key that nothing deletes: a beat that has to set it again finds Redis emptied
   * under it (a FLUSHALL, or a restart this connection did not notice), and tells the `onEmptied`
   * listeners, since whatever else Redis held (waiting jobs, the job schedulers) is gone too.
   */
  private async startHeartbeat(describe: () => Heartbeat): Promise<void> {
    const { connection } = this.options;
    const beat = async () => {
      const [, [, marked]] = (await connection
        .multi()
        .hset(this.workersKey, this.workerId!, JSON.stringify(describe()))
        .set(this.markerKey, '1', 'NX')
        .exec()) as [[Error | null, number], [Error | null, 'OK' | null]];
      return marked === 'OK';
    };
    await beat();
    // A failed beat, `onEmptied` listener or keepScheduled is logged: with Redis away every beat fails,
    // and the throttle logs that once a minute.
    const logFailure = logErrors(this.options.logger, 'heartbeat');
    this.heartbeat = setInterval(() => {
      beat()
        .then((emptied) => emptied && this.emptiedListeners.forEach((listener) => listener()))
        .then(() => this.keepScheduled())
        .catch(logFailure);
    }, HEARTBEAT_MS).unref();
  }

  /** Present while Redis keeps what it holds (see startHeartbeat). */
  private get markerKey(): string {
    return `${this.options.prefix}:fibstack-kept`;
  }

  /** Calls `listener` when this worker finds Redis emptied under it (see startHeartbeat). */
  onEmptied(listener: () => void): void {
    this.emptiedListeners.push(listener);
  }

  async workers(): Promise<WorkerInfo[]> {
    const [entries, running] = await Promise.all([this.options.connection.hgetall(this.workersKey), this.runningByWorker()]);
    const cutoff = Date.now() - 3 * HEARTBEAT_MS;
    const workers = Object.values(entries).map((entry) => JSON.parse(entry) as Heartbeat);
    const silent = Object.keys(entries).filter((_, i) => Date.parse(workers[i]!.lastHeartbeat) < cutoff);
    // Workers that died without saying so are forgotten once they have been silent for three beats.
    if (silent.length > 0) await this.options.connection.hdel(this.workersKey, ...silent);
    return workers.filter((worker) => Date.parse(worker.lastHeartbeat) >= cutoff).map((worker) => ({ ...worker, ...listRunning(running.get(worker.id) ?? []) }));
  }

  /**
   * The jobs running now, by the worker running each: BullMQ records the worker's name, its heartbeat's
   * id, on a job as it takes it. A job of a worker that died stays active until the stalled-job check
   * takes it back, under an id no heartbeat lists any longer.
   */
  private async runningByWorker(): Promise<Map<string, RunningJob[]>> {
    const active = await Promise.all(lanes.map((lane) => this.queues[lane].getJobs(['active'], 0, ACTIVE_READ - 1, true)));
    const byWorker = new Map<string, RunningJob[]>();
    for (const job of active.flat()) {
      if (job.processedBy === undefined || job.processedOn === undefined || job.id === undefined) continue;
      const jobs = byWorker.get(job.processedBy) ?? [];
      if (jobs.length === 0) byWorker.set(job.processedBy, jobs);
      jobs.push(runningJob(job.name as JobName, job.id, job.data, job.processedOn));
    }
    return byWorker;
  }

  private get workersKey(): string {
    return `${this.options.prefix}:${QUEUE_NAMES.jobs}:fibstack-workers`;
  }

  /** Both lanes together. */
  async counts(): Promise<JobCounts> {
    const lanes = await Promise.all(Object.values(this.queues).map((queue) => queue.getJobCounts(...jobStates)));
    return Object.fromEntries(jobStates.map((state) => [state, lanes.reduce((sum, counts) => sum + (counts[state] ?? 0), 0)])) as JobCounts;
  }

  async paused(): Promise<string[]> {
    const paused = await Promise.all(lanes.map((lane) => this.queues[lane].isPaused()));
    return lanes.filter((_, i) => paused[i]).map((lane) => QUEUE_NAMES[lane]);
  }

  async schedule(schedules: Schedules): Promise<void> {
    this.declared = schedules;
    for (const [name, pattern] of Object.entries(schedules)) {
      // A job scheduler lives in Redis under its name: every worker upserting it leaves one scheduler,
      // which adds one job per tick.
      if (pattern === 'off') await this.queues.jobs.removeJobScheduler(name);
      else await this.queues.jobs.upsertJobScheduler(name, { pattern, tz: 'UTC' }, { name, data: {} });
    }
  }

  /**
   * The settings say what runs when: a job scheduler removed while its schedule is on (from the
   * dashboard at /admin/queues, its queue obliterated there) is declared again, and one declared while
   * it is off (by a worker of the settings before, in a rolling update) is removed. Queued work lost
   * with a scheduler is the next reconciliation's to send again.
   */
  private async keepScheduled(): Promise<void> {
    for (const [name, pattern] of Object.entries(this.declared)) {
      const declared = (await this.queues.jobs.getJobScheduler(name)) !== undefined;
      if (pattern === 'off' && declared) {
        // Declared by a process of other settings: a worker of the release a rolling update replaces.
        this.options.logger.warn({ schedule: name }, 'job scheduler declared while its schedule is off: removed');
        await this.queues.jobs.removeJobScheduler(name);
      } else if (pattern !== 'off' && !declared) {
        this.options.logger.warn({ schedule: name }, 'job scheduler removed while its schedule is on: declared again');
        await this.queues.jobs.upsertJobScheduler(name, { pattern, tz: 'UTC' }, { name, data: {} });
      }
    }
  }

  /** What Redis holds: each job scheduler, and how its job's latest run ended (see keepRun). */
  async schedules(): Promise<ScheduleInfo[]> {
    const [schedulers, runs] = await Promise.all([
      Promise.all(scheduledJobs.map((name) => this.queues.jobs.getJobScheduler(name))),
      this.options.connection.hgetall(this.runsKey),
    ]);
    return scheduledJobs.map((name, i) => {
      const scheduler = schedulers[i];
      const last = runs[name];
      return {
        name,
        pattern: scheduler?.pattern ?? 'off',
        next: scheduler?.next === undefined ? null : new Date(scheduler.next).toISOString(),
        last: last === undefined ? null : (JSON.parse(last) as ScheduledRun),
      };
    });
  }

  /**
   * A periodic job's run that ended, in one Redis hash every replica writes and the admin page reads.
   * The outcome is BullMQ's to keep: a record Redis refuses only leaves the page a run behind.
   */
  private readonly keepRun: KeepRun = async (name, run) => {
    await this.options.connection.hset(this.runsKey, name, JSON.stringify(run)).catch(() => {});
  };

  private get runsKey(): string {
    return `${this.options.prefix}:${QUEUE_NAMES.jobs}:fibstack-scheduled-runs`;
  }

  async prune(olderThanMs: number): Promise<number> {
    let removed = 0;
    for (const queue of Object.values(this.queues)) {
      for (const state of ['completed', 'failed'] as const) {
        for (;;) {
          const batch = await queue.clean(olderThanMs, PRUNE_BATCH, state);
          removed += batch.length;
          if (batch.length < PRUNE_BATCH) break;
        }
      }
    }
    return removed;
  }

  async ping(): Promise<void> {
    await this.options.connection.ping();
  }

  async stopWorking(): Promise<void> {
    const workers = this.running.splice(0);
    if (workers.length === 0) return;
    clearInterval(this.heartbeat);
    if (this.workerId) await this.options.connection.hdel(this.workersKey, this.workerId).catch(() => {});
    // Running jobs may finish. Past the timeout they are stopped and handed back (see the processor); one
    // that does not stop is left to its lock, which lapses once this process has gone.
    const closed = Promise.all(workers.map((worker) => worker.close()));
    if ((await outcomeWithin(closed, this.options.closeTimeoutMs)) === 'timeout') {
      this.stopping.abort(new WorkerStoppedError());
      await outcomeWithin(closed, HAND_BACK_MS);
    }
  }

  async close(): Promise<void> {
    await this.stopWorking();
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
  }
}

/**
 * What BullMQ cannot throw to a caller it emits as 'error': a failed check for stalled jobs, a scheduled
 * job it could not queue for its next run, a lost connection. Each is logged, the same one from the same
 * source once a minute at most.
 */
function logErrors(logger: Logger, source: string): (error: Error) => void {
  const lastLogged = new Map<string, number>();
  return (error) => {
    const now = Date.now();
    if (now - (lastLogged.get(error.message) ?? -Infinity) < ERROR_LOG_INTERVAL_MS) return;
    if (lastLogged.size >= 100) lastLogged.clear();
    lastLogged.set(error.message, now);
    logger.warn({ err: error, source }, 'queue error');
  };
}
