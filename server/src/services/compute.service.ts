import type { CalculationCache } from '../cache/cache.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events/bus.js';
import type { ComputeResult } from '../fib/compute.task.js';
import type { JobContext, JobHandler, JobName, JobPayloads } from '../jobs/types.js';
import type { Logger } from '../lib/logger.js';
import { CalculationRepository } from '../repositories/calculation.repository.js';
import { toCalculationView } from './calculation.view.js';

export interface FibComputer {
  compute(index: number, signal?: AbortSignal): Promise<ComputeResult>;
}

type Payload = JobPayloads[JobName.ComputeFibonacci];

/** What a worker does with a calculation job: claim it, compute off the event loop, store, announce. */
export class ComputeService implements JobHandler<JobName.ComputeFibonacci> {
  private readonly calculations: CalculationRepository;

  constructor(
    db: Db,
    private readonly fib: FibComputer,
    private readonly events: EventBus,
    private readonly cache: CalculationCache,
    private readonly logger: Logger,
  ) {
    this.calculations = new CalculationRepository(db);
  }

  async handle({ index, attempt }: Payload, context: JobContext): Promise<void> {
    // Re-read the record: a job delivered twice, or one for an older attempt, finds nothing to do.
    const claimed = await this.calculations.start(index, attempt);
    if (!claimed) return;
    await this.announce(toCalculationView(claimed));

    const result = await this.fib.compute(index, context.signal);
    const done = await this.calculations.complete(index, result);
    if (!done) return;
    const view = toCalculationView(done);
    await this.cache.set(view);
    await this.announce(view);
    this.logger.info({ index, digits: result.digits, durationMs: Math.round(result.durationMs), job: context.id }, 'computed');
  }

  async onFailed({ index, attempt }: Payload, error: Error): Promise<void> {
    this.logger.error({ err: error, index, attempt }, 'calculation failed');
    const failed = await this.calculations.fail(index, attempt, describeFailure(error));
    if (failed) await this.announce(toCalculationView(failed));
  }

  private async announce(view: ReturnType<typeof toCalculationView>): Promise<void> {
    await this.events.publish({ type: 'calculation', data: view });
  }
}

/** What a client is told about a failure: the kind of failure, never internal details. */
function describeFailure(error: Error): string {
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'The computation took longer than the time limit.';
  if (error instanceof RangeError) return 'The value is too large to compute.';
  return 'The computation failed.';
}
