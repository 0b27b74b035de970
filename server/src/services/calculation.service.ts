import type { CalculationCache } from '../cache/cache.js';
import type { Db } from '../db/database.js';
import type { AppEvent, EventBus } from '../events/bus.js';
import { EAGER_DECIMAL_DIGITS } from '../fib/compute.task.js';
import { summarize } from '../fib/summary.js';
import type { JobSender } from '../jobs/outbox.js';
import { batchJobs, JobName, type CalculationJob, type JobRequest } from '../jobs/types.js';
import { Batcher } from '../lib/batcher.js';
import { AppError } from '../lib/errors.js';
import { clientKey, retryAfterSeconds, type WindowCounts } from '../lib/window-counts.js';
import {
  CalculationRepository,
  type SubmissionRequest,
  type RequestedCalculation,
  type RequestIdReused,
  type SubmitResult,
} from '../repositories/calculation.repository.js';
import type { Page, PageRequest } from '../repositories/page.js';
import { SubmissionRepository } from '../repositories/submission.repository.js';
import { toCalculationView, toSubmissionView, type CalculationView, type SubmissionView } from './calculation.view.js';
import type { DecimalService } from './decimal.service.js';

/** Who asked, as the cap on expensive work sees them. */
export interface Requester {
  /** The request id: a request sent again with the same id is recorded once. */
  requestId: string;
  /** The client's address. */
  client: string;
}

export interface ExpensiveWorkLimit {
  /** Indexes from this one up are expensive. */
  fromIndex: number;
  /** Expensive calculations one client may have unfinished at once. */
  maxPending: number;
  /**
   * Digits of new expensive values one client may ask for per day (0: no limit), counted per client
   * in `counts`: each is stored for good, so this bounds how fast one client grows the database.
   */
  dailyDigits?: { max: number; counts: WindowCounts };
}

/** Told of each batch of cheap submissions once it is answered: for metrics. */
export type SubmissionBatchObserver = (batch: {
  /** Submissions in the statement. */
  size: number;
  /** The statement, commit included. */
  statementMs: number;
  /** What follows the commit: its jobs enqueued and its events published. */
  queueMs: number;
}) => void;

export interface CalculationServiceOptions {
  /** Where jobs go: the process's outbox, which keeps those Redis refuses until it is back. */
  queue: JobSender;
  events: EventBus;
  cache: CalculationCache;
  decimals: DecimalService;
  expensive: ExpensiveWorkLimit;
  /** Above this index a calculation is its summary alone, done at once. */
  maxExactIndex: number;
  observeBatch?: SubmissionBatchObserver;
  /**
   * Told as each submission ends, answered or not, since it may have changed the lists: a process
   * caching them reads them afresh from then on, not from when the event comes back from the bus.
   */
  onSubmitted?: () => void;
}

/** What the API does with calculations: record requests, queue work, and read back what is known. */
export class CalculationService {
  private readonly calculations: CalculationRepository;
  private readonly submissions: SubmissionRepository;
  private readonly cheap = new Batcher((batch: SubmissionRequest[]) => this.recordCheap(batch), SUBMISSION_BATCHES);
  private readonly queue: JobSender;
  private readonly events: EventBus;
  private readonly cache: CalculationCache;
  private readonly decimals: DecimalService;
  private readonly expensive: ExpensiveWorkLimit;
  private readonly maxExactIndex: number;
  private readonly observeBatch: SubmissionBatchObserver;
  private readonly onSubmitted: () => void;

  constructor(
    private readonly db: Db,
    { queue, events, cache, decimals, expensive, maxExactIndex, observeBatch = () => {}, onSubmitted = () => {} }: CalculationServiceOptions,
  ) {
    this.queue = queue;
    this.events = events;
    this.cache = cache;
    this.decimals = decimals;
    this.expensive = expensive;
    this.maxExactIndex = maxExactIndex;
    this.observeBatch = observeBatch;
    this.onSubmitted = onSubmitted;
    this.calculations = new CalculationRepository(db);
    this.submissions = new SubmissionRepository(db);
  }

  /**
   * Records the submission and the calculation, with its summary, in one transaction, and only once it
   * has committed queues the job: a job never names a row that a rolled-back transaction took away. A
   * request id seen before (the proxy retrying a request) changes nothing and answers the same; seen
   * before with another index, it is refused (409 REQUEST_ID_REUSED) and nothing is recorded.
   *
   * Cheap submissions go in batches (see Batcher): under load, one statement, one enqueue and one event
   * message serve many requests. Expensive ones go alone, checked against the client's unfinished work.
   */
  async submit(index: number, { requestId, client }: Requester): Promise<CalculationView> {
    const submission: SubmissionRequest = {
      index,
      // An IPv6 address by its /64, as every per-client limit counts clients (see clientKey).
      client: clientKey(client),
      requestId,
      summary: this.summarize(index),
    };
    try {
      // A summary-only calculation is done at once: it is never expensive.
      if (index >= this.expensive.fromIndex && submission.summary.exact) return await this.submitExpensive(submission);
      const view = await this.cheap.add(submission);
      if ('reusedFor' in view) throw requestIdReused(view);
      return view;
    } finally {
      this.onSubmitted();
    }
  }

  /** One expensive submission, in a transaction of its own that counts the client's work under its lock. */
  private async submitExpensive({ index, client, requestId, summary }: SubmissionRequest): Promise<CalculationView> {
    const result = await this.db.transaction().execute(async (trx) => {
      const calculations = new CalculationRepository(trx);
      // One client's expensive submissions take turns, on every replica: each counts what the ones
      // before it committed, so requests sent at once cannot all pass the cap.
      await calculations.lockClient(client);
      await this.checkLimits(calculations, index, client, summary.digits);
      const request = await calculations.request(index, client, summary);
      const { recorded, indexOfRequest } = await new SubmissionRepository(trx).add(index, requestId);
      // Its request id belongs to another index: the transaction rolls back, and nothing is recorded
      // or counted.
      if (indexOfRequest !== index) throw requestIdReused({ reusedFor: indexOfRequest });
      // Counted under the client's lock, so the next request of the client sees it; a rollback after
      // it (a failed commit) leaves the client charged for work it did not get, never the other way round.
      if (request.changed && this.expensive.dailyDigits?.max) await this.expensive.dailyDigits.counts.add(client, summary.digits);
      return { ...request, submission: recorded };
    });
    const [view] = await this.afterCommit([{ result, requestId }]);
    return view!;
  }

  /** A batch's submissions, answered in order: a view, or what refused it. */
  private async recordCheap(batch: SubmissionRequest[]): Promise<Array<CalculationView | RequestIdReused>> {
    const started = performance.now();
    const results = await this.calculations.submitMany(batch);
    const committed = performance.now();
    const views = await this.afterCommit(results.flatMap((result, i) => ('reusedFor' in result ? [] : [{ result, requestId: batch[i]!.requestId }])));
    this.observeBatch({ size: batch.length, statementMs: committed - started, queueMs: performance.now() - committed });
    let next = 0;
    return results.map((result) => ('reusedFor' in result ? result : views[next++]!));
  }

  /** What follows a commit: queue the work and tell every api process what changed. */
  private async afterCommit(recorded: Array<{ result: SubmitResult; requestId: string }>): Promise<CalculationView[]> {
    const jobs: JobRequest[] = [];
    const batched: Array<CalculationJob & { batch: string }> = [];
    const earlierBatches = new Set<string>();
    for (const { result, requestId } of recorded) {
      const { calculation: { status, index, attempt, batch, created_at }, changed, requeuedAt } = result;
      if (status !== 'queued') continue;
      const work = { index, attempt, requestId };
      // Queued by this statement: it joins its batch's one job.
      if (batch !== null && changed) batched.push({ ...work, batch });
      // Queued before: its batch is sent again whole, from the record (below), unless it is this
      // statement's own (the same index asked for twice in one batch).
      else if (batch !== null) {
        if (!batched.some((work) => work.batch === batch)) earlierBatches.add(batch);
      }
      // A job of its own: enqueued again. Its id may have served an earlier life of the calculation,
      // before a restore brought it back at a lower attempt: a job of it that finished before the row
      // was made, or before this request queued it again, is not this one.
      else jobs.push({ name: JobName.ComputeFibonacci, payload: work, since: requeuedAt ?? created_at });
    }
    // Sending work again is a no-op while its job exists (the id is the same), and the way a job that
    // never reached Redis (an api process killed between commit and enqueue) or was lost with it is
    // sent anew. A batch goes whole, with every unfinished calculation of it: sent with only some, its id
    // would keep the others from ever being sent.
    jobs.push(...batchJobs([...batched, ...(await this.calculations.unfinishedInBatches([...earlierBatches]))]));
    const views = recorded.map(({ result }) => toCalculationView(result.calculation));
    const events = recorded.flatMap(({ result: { changed, submission } }, i): AppEvent[] => [
      ...(submission ? [{ type: 'submission' as const, data: toSubmissionView(submission) }] : []),
      ...(changed ? [{ type: 'calculation' as const, data: views[i]! }] : []),
    ]);
    // Both at once: one round trip to Redis, not two. An event ahead of its job tells the truth (the
    // record has committed); the reply waits for both.
    await Promise.all([this.queue.enqueueMany(jobs), this.events.publish(...events)]);
    return views;
  }

  /**
   * New expensive work is refused while the client already has its fill of it unfinished, or once it
   * has asked for its day's digits of new values. Work already done or under way is never refused.
   */
  private async checkLimits(calculations: CalculationRepository, index: number, client: string, digits: number): Promise<void> {
    const existing = await calculations.find(index);
    if (existing && existing.status !== 'failed') return;
    if ((await calculations.countPending(client, this.expensive.fromIndex)) >= this.expensive.maxPending) {
      const pending = this.expensive.maxPending;
      throw new AppError(
        'TOO_MANY_PENDING',
        pending === 1 ? 'you have a large calculation unfinished; wait for it to finish' : `you have ${grouped(pending)} large calculations unfinished; wait for one to finish`,
        10,
      );
    }
    const daily = this.expensive.dailyDigits;
    if (!daily?.max) return;
    // Never to be accepted: refused as an index too large, not as a limit to wait out.
    if (digits > daily.max) throw new AppError('INDEX_TOO_LARGE', `F(${grouped(index)}) has more digits than one client may ask for in a day (${grouped(daily.max)})`);
    const { count, resetsInMs } = await daily.counts.get(client);
    if (count + digits > daily.max) {
      const hours = Math.max(1, Math.ceil(resetsInMs / 3_600_000));
      throw new AppError(
        'QUOTA_EXCEEDED',
        `F(${grouped(index)}) has ${grouped(digits)} digits, more than the ${grouped(Math.max(0, daily.max - count))} left of the ${grouped(daily.max)} digits of new large values one client may ask for in a day; try again in ${hours} h`,
        retryAfterSeconds(resetsInMs),
      );
    }
  }

  async get(index: number): Promise<CalculationView> {
    const cached = await this.cache.get(index);
    if (cached) return cached;
    const row = await this.calculations.find(index);
    if (!row) throw new AppError('NOT_FOUND', `F(${index}) has never been requested`);
    const view = toCalculationView(row);
    if (view.status === 'done') await this.cache.set(view);
    return view;
  }

  async list(page: PageRequest): Promise<Page<CalculationView>> {
    const { items, next } = await this.calculations.list(page);
    return { items: items.map(toCalculationView), next };
  }

  async listSubmissions(page: PageRequest): Promise<Page<SubmissionView>> {
    const { items, next } = await this.submissions.list(page);
    return { items: items.map(toSubmissionView), next };
  }

  /** The decimal value in slices; the calculation must be done and exact. */
  async value(index: number): Promise<{ calculation: CalculationView; chunks: AsyncIterable<string> }> {
    const calculation = await this.get(index);
    if (!calculation.exact) {
      throw new AppError('NO_EXACT_VALUE', `F(${index}) is above the exact limit: only its summary is known`);
    }
    if (calculation.status !== 'done') {
      throw new AppError('NOT_READY', `F(${index}) is ${calculation.status}, not done yet`);
    }
    await this.decimals.ensure(index);
    return { calculation, chunks: this.calculations.valueChunks(index, VALUE_CHUNK) };
  }

  /** Digit count, head and tail take microseconds for any index (fib/summary.ts): known before any computing. */
  private summarize(index: number): RequestedCalculation {
    const started = performance.now();
    const summary = summarize(index);
    return { ...summary, exact: index <= this.maxExactIndex, durationMs: performance.now() - started };
  }

  /** The most recent calculations with small values, for the original app's "current values". */
  async recentValues(limit: number): Promise<Array<{ index: number; value: string | null }>> {
    const rows = await this.calculations.recentWithSmallValues(limit, COMPAT_MAX_DIGITS);
    return rows.map((row) => ({ index: row.index, value: row.value }));
  }
}

/** A number as the page writes it: 2,089,877. */
const grouped = (value: number): string => value.toLocaleString('en-US');

function requestIdReused({ reusedFor }: RequestIdReused): AppError {
  return new AppError('REQUEST_ID_REUSED', `this X-Request-ID was sent before with index ${reusedFor}: send each request with an id of its own`);
}

/**
 * Cheap submissions per statement at most, and statements under way at once per process. One at a
 * time: the next batch gathers while a statement runs, so batches (and the jobs they queue) are larger.
 * Under load (a batch of 4 or more just went) the next also lingers 3 ms: a batch costs about the same
 * across the system whatever its size, and lingering makes them larger. A lone request never waits.
 * The figures behind both are in docs/benchmarks.md ("Measured and dropped").
 */
const SUBMISSION_BATCHES = { maxSize: 500, maxInFlight: 1, linger: { ms: 3, fromSize: 4 } };
/** Characters read from Postgres at a time when streaming a value. */
const VALUE_CHUNK = 256 * 1024;
/** Values longer than this are not inlined in the compatibility listing: those this short have their decimal stored. */
const COMPAT_MAX_DIGITS = EAGER_DECIMAL_DIGITS;
