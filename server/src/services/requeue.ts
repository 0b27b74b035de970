import type { EventBus } from '../events/bus.js';
import type { JobSender } from '../jobs/outbox.js';
import { JobName } from '../jobs/types.js';
import type { CalculationRow } from '../db/schema.js';
import type { CalculationRepository } from '../repositories/calculation.repository.js';
import { toCalculationView } from './calculation.view.js';

/**
 * Queues a failed calculation (of that attempt, if given) again as a new attempt: its job, and the
 * event that tells every page it is queued again. Undefined when it is not failed (any more).
 */
export async function requeueFailed(
  { calculations, queue, events }: { calculations: CalculationRepository; queue: JobSender; events: EventBus },
  index: number,
  attempt?: number,
): Promise<CalculationRow | undefined> {
  const requeued = await calculations.requeueFailed(index, attempt);
  if (!requeued) return undefined;
  const { requeued_at: since, ...calculation } = requeued;
  await Promise.all([
    // A finished job of the new attempt's id from before now is of an earlier life of the calculation
    // (a restore brought back a lower attempt) and is replaced.
    queue.enqueueMany([{ name: JobName.ComputeFibonacci, payload: { index, attempt: calculation.attempt }, since }]),
    events.publish({ type: 'calculation', data: toCalculationView(calculation) }),
  ]);
  return calculation;
}
