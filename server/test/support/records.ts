/** Records as the services write them, for tests that set up the database through the repositories. */
import { randomUUID } from 'node:crypto';
import { toBytes } from '../../src/fib/codec.js';
import { summarize } from '../../src/fib/summary.js';
import type { RequestIdReused, SubmitResult } from '../../src/repositories/calculation.repository.js';

/** What the service records with a request: the summary, and whether an exact value will follow. */
export const summary = (index: number, exact = true) => ({ ...summarize(index), exact, durationMs: 0.01 });

/** What a worker stores when it has computed a value. */
export const result = (value: bigint, decimal: string | null = value.toString()) => ({ bytes: toBytes(value), decimal, durationMs: 1 });

/** A cheap submission as the API batches it, under a request id of its own. */
export const submission = (index: number, client: string, exact = true) => ({
  index,
  client,
  requestId: `${client}-${index}-${randomUUID()}`,
  summary: summary(index, exact),
});

/** Results of `submitMany` when no request id is reused: every submission recorded. */
export async function recorded(results: Promise<Array<SubmitResult | RequestIdReused>>): Promise<SubmitResult[]> {
  return (await results).map((result, i) => {
    if ('reusedFor' in result) throw new Error(`submission ${i} was refused: its request id belongs to F(${result.reusedFor})`);
    return result;
  });
}
