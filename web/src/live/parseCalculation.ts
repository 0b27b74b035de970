import type { Calculation, CalculationStatus } from '../api/types';

const statuses: ReadonlySet<string> = new Set<CalculationStatus>(['queued', 'running', 'done', 'failed']);

/** Reads an event's data; anything that is not a calculation is dropped rather than breaking the page. */
export function parseCalculation(data: string): Calculation | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const candidate = value as Partial<Calculation>;
  if (!Number.isSafeInteger(candidate.index) || !statuses.has(String(candidate.status))) return null;
  return candidate as Calculation;
}
