import type { CalculationCache } from '../cache/cache.js';
import type { Db } from '../db/database.js';
import type { CalculationRow } from '../db/schema.js';
import type { EventBus } from '../events/bus.js';
import { asciiText } from '../fib/codec.js';
import type { ComputeResult } from '../fib/compute.task.js';
import { JobName, type JobContext, type JobHandler, type JobPayloads, type JobQueue } from '../jobs/types.js';
import type { Logger } from '../lib/logger.js';
import { INLINE_MAX_INDEX } from '../fib/limits.js';
import { Batcher } from '../lib/batcher.js';
import { CalculationRepository, type CompletedCalculation, type FinishedCalculation } from '../repositories/calculation.repository.js';
import { toCalculationView } from './calculation.view.js';
import { requeueFailed } from './requeue.js';

export interface FibComputer {
  compute(index: number, signal?: AbortSignal): Promise<ComputeResult>;
}

type Payload = JobPayloads[JobName.ComputeFibonacci];
type BatchPayload = JobPayloads[JobName.ComputeFibonacciBatch];

/** A batch's values go to Postgres in statements of about this many bytes at most. */
const FINISH_CHUNK_BYTES = 1 << 20;

/** A value of a batch, with what its log line tells. */
type BatchValue = FinishedCalculation & { engine: string; requestId?: string };

/**
 * What a worker does with calculation jobs: compute, store and announce. A batch of cheap calculations
 * is computed in turn and finished in one statement; a single small value is computed on the spot and
 * finished with others; a large one is claimed first and computed on the thread pool.
 */
export class ComputeService {
  private readonly calculations: CalculationRepository;
  /** Small values finished by the jobs running together go to Postgres together (see Batcher). */
  private readonly finished = new Batcher((values: FinishedCalculation[]) => this.calculations.finishMany(values), { maxSize: 100, maxInFlight: 1 });

  /** The handler of jobs of one calculation. */
  readonly single: JobHandler<JobName.ComputeFibonacci> = {
    handle: (payload, context) => this.computeOne(payload, context),
    onFailed: (payload, error) => this.fail(payload, error),
  };

  /** The handler of batch jobs: a batch that failed for good fails each of its calculations still unfinished. */
  readonly batch: JobHandler<JobName.ComputeFibonacciBatch> = {
    handle: (payload, context) => this.computeBatch(payload, context),
    onFailed: async ({ calculations }, error) => {
      for (const calculation of calculations) await this.fail(calculation, error);
    },
  };

  constructor(
    db: Db,
    private readonly fib: FibComputer,
    private readonly queue: JobQueue,
    private readonly events: EventBus,
    private readonly cache: CalculationCache,
    private readonly logger: Logger,
  ) {
    this.calculations = new CalculationRepository(db);
  }

  private async computeOne({ index, attempt, requestId }: Payload, context: JobContext): Promise<void> {
    const { done, result } = index <= INLINE_MAX_INDEX ? await this.computeSmall(index, attempt) : await this.computeLarge(index, attempt, context);
    if (!done || !result) return this.againIfFailed(index, attempt);
    const view = toCalculationView(done);
    await Promise.all([this.cache.set(view), this.announce(view)]);
    this.logComputed(done, { engine: result.engine, durationMs: result.durationMs, requestId }, context.id);
  }

  /**
   * The calculations one submission batch queued: computed in turn, then stored and completed in one
   * statement (per megabyte of values) and announced in one message. Delivered twice, a batch may
   * compute twice, but each record changes once. Views are not cached here: a done view is cached by
   * the first read of it.
   */
  private async computeBatch({ calculations }: BatchPayload, context: JobContext): Promise<void> {
    let chunk: BatchValue[] = [];
    let bytes = 0;
    for (const [i, { index, attempt, requestId }] of calculations.entries()) {
      const result = await this.fib.compute(index, context.signal);
      chunk.push({ index, attempt, requestId, engine: result.engine, ...toCompleted(result) });
      bytes += result.value.byteLength * 2 + (result.decimal?.byteLength ?? 0);
      if (bytes < FINISH_CHUNK_BYTES && i < calculations.length - 1) continue;
      await this.finishBatch(chunk, context.id);
      chunk = [];
      bytes = 0;
    }
  }

  private async finishBatch(values: BatchValue[], job: string): Promise<void> {
    const done = await this.calculations.finishMany(values);
    const views = done.flatMap((row) => (row ? [toCalculationView(row)] : []));
    await this.events.publish(...views.map((data) => ({ type: 'calculation' as const, data })));
    values.forEach((value, i) => {
      const row = done[i];
      if (row) this.logComputed(row, value, job);
    });
    for (const [i, { index, attempt }] of values.entries()) if (!done[i]) await this.againIfFailed(index, attempt);
  }

  /**
   * A job run again after its calculation failed for good: retried from the queue dashboard, which runs
   * the same job again. The calculation is queued again as a new attempt, as the admin page's retry does;
   * a job delivered twice, or for an older attempt, finds nothing failed and does nothing.
   */
  private async againIfFailed(index: number, attempt: number): Promise<void> {
    const requeued = await requeueFailed({ calculations: this.calculations, queue: this.queue, events: this.events }, index, attempt);
    if (requeued) this.logger.info({ index, attempt: requeued.attempt }, 'queued again: its failed job was retried');
  }

  /**
   * A small value costs microseconds: computed first, then claimed, stored and completed in one
   * statement with those of the other jobs finishing together. A job delivered twice may compute
   * twice, but the record changes once.
   */
  private async computeSmall(index: number, attempt: number) {
    const result = await this.fib.compute(index);
    const done = await this.finished.add({ index, attempt, ...toCompleted(result) });
    return { done, result };
  }

  /** A large value is claimed first, and shown running, so that no other worker starts it too. */
  private async computeLarge(index: number, attempt: number, context: JobContext) {
    // Re-read the record: a job delivered twice, or one for an older attempt, finds nothing to do.
    const claimed = await this.calculations.start(index, attempt);
    if (!claimed) return {};
    await this.announce(toCalculationView(claimed));
    const result = await this.fib.compute(index, context.signal);
    const done = await this.calculations.complete(index, toCompleted(result));
    return { done, result };
  }

  /** A calculation whose job failed for good: recorded failed, unless it finished meanwhile. */
  private async fail({ index, attempt, requestId }: Payload, error: Error): Promise<void> {
    this.logger.error({ err: error, index, attempt, reqId: requestId }, 'calculation failed');
    const failed = await this.calculations.fail(index, attempt, describeFailure(error));
    if (!failed) return;
    // Recorded: this step must not fail now. Run again, the job would take its own failure for a retry
    // asked for from the queue dashboard and queue the calculation again. An event lost with Redis is
    // made up for by the pages' catch-up when their stream comes back.
    await this.announce(toCalculationView(failed)).catch((publishError: unknown) =>
      this.logger.warn({ err: publishError, index, attempt }, 'a failed calculation was recorded but not announced'),
    );
  }

  private logComputed(row: CalculationRow, { engine, durationMs, requestId }: { engine: string; durationMs: number; requestId?: string }, job: string): void {
    this.logger.info({ index: row.index, digits: row.digits, engine, durationMs: Math.round(durationMs), job, reqId: requestId }, 'computed');
  }

  private async announce(view: ReturnType<typeof toCalculationView>): Promise<void> {
    await this.events.publish({ type: 'calculation', data: view });
  }
}

function toCompleted(result: ComputeResult): CompletedCalculation {
  return { bytes: result.value, decimal: result.decimal && asciiText(result.decimal), durationMs: result.durationMs };
}

/** What a client is told about a failure: the kind of failure, never internal details. */
function describeFailure(error: Error): string {
  if (['TimeoutError', 'AbortError', 'ComputeTimeLimitError'].includes(error.name)) {
    return 'The computation took longer than the time limit.';
  }
  if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return 'The value is too large to compute.';
  }
  if (error.name === 'WorkerLostError') return 'The workers computing it stopped before finishing, too many times.';
  return 'The computation failed.';
}
