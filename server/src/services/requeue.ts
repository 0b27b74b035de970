import type { EventBus } from '../events/bus.js';
import { JobName, type JobQueue } from '../jobs/types.js';
import type { CalculationRow } from '../db/schema.js';
import type { CalculationRepository } from '../repositories/calculation.repository.js';
import { toCalculationView } from './calculation.view.js';

/**
 * Queues a failed calculation (of that attempt, if given) again as a new attempt: its job, and the
 * event that tells every page it is queued again. Undefined when it is not failed (any more).
 */
export async function requeueFailed(
  { calculations, queue, events }: { calculations: CalculationRepository; queue: JobQueue; events: EventBus },
  index: number,
  attempt?: number,
): Promise<CalculationRow | undefined> {
  const requeued = await calculations.requeueFailed(index, attempt);
  if (!requeued) return undefined;
  await Promise.all([
    queue.enqueue(JobName.ComputeFibonacci, { index, attempt: requeued.attempt }),
    events.publish({ type: 'calculation', data: toCalculationView(requeued) }),
  ]);
  return requeued;
}
