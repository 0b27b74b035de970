import type { Db } from '../db/database.js';
import type { EventBus } from '../events/bus.js';
import { AppError, isTransientError } from '../lib/errors.js';
import type { JobSender } from '../jobs/outbox.js';
import type { JobCounts, JobQueue, ScheduleInfo, WorkerInfo } from '../jobs/types.js';
import { CalculationRepository } from '../repositories/calculation.repository.js';
import { StatsRepository } from '../repositories/stats.repository.js';
import { toCalculationView, type CalculationView } from './calculation.view.js';
import { requeueFailed } from './requeue.js';

/** Throughput is averaged over this window. */
const WINDOW_MINUTES = 15;
const SLOWEST_HOURS = 24;
const LIST_LIMIT = 10;
/** Failed calculations are counted up to this many: a page read every few seconds stays cheap. */
const FAILED_COUNT_LIMIT = 10_000;

export interface AdminStats {
  queue: JobCounts;
  /** Calculations finished per minute over the last WINDOW_MINUTES. */
  jobsPerMinute: number;
  /** Share of calculations finished in the window that failed, 0–1. */
  failureRate: number;
  windowMinutes: number;
  /** Worker processes online, each with the jobs it runs at this moment. */
  workers: WorkerInfo[];
  /** Queues paused in the queue dashboard: their jobs wait until they are resumed. */
  pausedQueues: string[];
  /** The periodic jobs: expression, next run, how the latest run ended. */
  schedules: ScheduleInfo[];
  slowest: CalculationView[];
  failed: CalculationView[];
  /** How many calculations have failed, `failed` the latest of them; counted up to FAILED_COUNT_LIMIT. */
  failedTotal: number;
  /** False when more than `failedTotal` have failed: the count stopped at its limit. */
  failedTotalExact: boolean;
}

/** What an operator checks first, from the queue and the record alike, embedded or distributed. */
export class AdminService {
  private readonly stats: StatsRepository;
  private readonly calculations: CalculationRepository;

  constructor(
    db: Db,
    private readonly queue: JobQueue,
    private readonly events: EventBus,
    /** Where a retry's job goes: the process's outbox, which keeps it if Redis refuses it. */
    private readonly outbox: JobSender,
  ) {
    this.stats = new StatsRepository(db);
    this.calculations = new CalculationRepository(db);
  }

  async overview(): Promise<AdminStats> {
    const [queue, pausedQueues, workers, schedules, finished, slowest, failed, failedTotal] = await Promise.all([
      this.queue.counts(),
      this.queue.paused(),
      this.queue.workers(),
      this.queue.schedules(),
      this.stats.finishedSince(WINDOW_MINUTES),
      this.stats.slowest(SLOWEST_HOURS, LIST_LIMIT),
      this.stats.failed(LIST_LIMIT),
      this.stats.countFailed(FAILED_COUNT_LIMIT + 1),
    ]);
    const total = finished.done + finished.failed;
    return {
      queue,
      jobsPerMinute: round(total / WINDOW_MINUTES),
      failureRate: total === 0 ? 0 : round(finished.failed / total),
      windowMinutes: WINDOW_MINUTES,
      workers,
      pausedQueues,
      schedules,
      slowest: slowest.map(toCalculationView),
      failed: failed.map(toCalculationView),
      failedTotal: Math.min(failedTotal, FAILED_COUNT_LIMIT),
      failedTotalExact: failedTotal <= FAILED_COUNT_LIMIT,
    };
  }

  /**
   * Queues a failed calculation again as a new attempt. Once its record has committed, the retry has
   * happened: a job Redis refuses is kept by the outbox and sent when Redis is back, so the answer is
   * the queued calculation, not a 503 that a second retry would meet as "not failed".
   */
  async retry(index: number): Promise<CalculationView> {
    const found = await this.calculations.find(index);
    if (!found) throw new AppError('NOT_FOUND', `F(${index}) has never been requested`);
    let requeued;
    try {
      requeued = await requeueFailed({ calculations: this.calculations, queue: this.outbox, events: this.events }, index);
    } catch (error) {
      if (!isTransientError(error)) throw error;
      const recorded = await this.calculations.find(index);
      if (recorded?.status !== 'queued' || recorded.attempt <= found.attempt) throw error;
      return toCalculationView(recorded);
    }
    if (!requeued) throw new AppError('CONFLICT', `F(${index}) is ${found.status}, not failed`);
    return toCalculationView(requeued);
  }
}

function round(value: number): number {
  return Math.round(value * 1_000) / 1_000;
}
