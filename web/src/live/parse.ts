import type { Calculation, CalculationStatus, Submission } from '../api/types';

const statuses: ReadonlySet<string> = new Set<CalculationStatus>(['queued', 'running', 'done', 'failed']);

/** Reads an event's JSON data; anything that is not an object is dropped rather than breaking the page. */
function parseObject(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function parseCalculation(data: string): Calculation | null {
  const value = parseObject(data);
  if (!value || !Number.isSafeInteger(value.index) || !statuses.has(String(value.status))) return null;
  return value as unknown as Calculation;
}

export function parseSubmission(data: string): Submission | null {
  const value = parseObject(data);
  if (!value || typeof value.id !== 'string' || !Number.isSafeInteger(value.index) || typeof value.createdAt !== 'string') {
    return null;
  }
  return value as unknown as Submission;
}
