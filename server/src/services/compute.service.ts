import type { CalculationCache } from '../cache/cache.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events/bus.js';
import { asciiText } from '../fib/codec.js';
import type { ComputeResult } from '../fib/compute.task.js';
import type { JobContext, JobHandler, JobName, JobPayloads } from '../jobs/types.js';
import type { Logger } from '../lib/logger.js';
import { INLINE_MAX_INDEX } from '../fib/pool.js';
import { Batcher } from '../lib/batcher.js';
import { CalculationRepository, type CompletedCalculation, type FinishedCalculation } from '../repositories/calculation.repository.js';
import { toCalculationView } from './calculation.view.js';

export interface FibComputer {
  compute(index: number, signal?: AbortSignal): Promise<ComputeResult>;
}

type Payload = JobPayloads[JobName.ComputeFibonacci];

/**
 * What a worker does with a calculation job: compute, store and announce. Small values are computed on
 * the spot and finished together; large ones are claimed first and computed on the thread pool.
 */
export class ComputeService implements JobHandler<JobName.ComputeFibonacci> {
  private readonly calculations: CalculationRepository;
  /** Small values finished by the jobs running together go to Postgres together (see Batcher). */
  private readonly finished = new Batcher((values: FinishedCalculation[]) => this.calculations.finishMany(values), { maxSize: 100, maxInFlight: 1 });

  constructor(
    db: Db,
    private readonly fib: FibComputer,
    private readonly events: EventBus,
    private readonly cache: CalculationCache,
    private readonly logger: Logger,
  ) {
    this.calculations = new CalculationRepository(db);
  }

  async handle({ index, attempt, requestId }: Payload, context: JobContext): Promise<void> {
    const { done, result } = index <= INLINE_MAX_INDEX ? await this.computeSmall(index, attempt) : await this.computeLarge(index, attempt, context);
    if (!done || !result) return;
    const view = toCalculationView(done);
    await Promise.all([this.cache.set(view), this.announce(view)]);
    this.logger.info(
      { index, digits: done.digits, engine: result.engine, durationMs: Math.round(result.durationMs), job: context.id, reqId: requestId },
      'computed',
    );
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

  async onFailed({ index, attempt, requestId }: Payload, error: Error): Promise<void> {
    this.logger.error({ err: error, index, attempt, reqId: requestId }, 'calculation failed');
    const failed = await this.calculations.fail(index, attempt, describeFailure(error));
    if (failed) await this.announce(toCalculationView(failed));
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
  return 'The computation failed.';
}
