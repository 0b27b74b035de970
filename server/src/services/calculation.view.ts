import type { CalculationRow, CalculationStatus, SubmissionRow } from '../db/schema.js';

/** A calculation as clients see it (docs/api.md). */
export interface CalculationView {
  index: number;
  status: CalculationStatus;
  digits: number | null;
  head: string | null;
  tail: string | null;
  durationMs: number | null;
  createdAt: string;
  completedAt: string | null;
  error: string | null;
}

export interface SubmissionView {
  id: string;
  index: number;
  createdAt: string;
}

export function toCalculationView(row: CalculationRow): CalculationView {
  return {
    index: row.index,
    status: row.status,
    digits: row.digits,
    head: row.head,
    tail: row.tail,
    durationMs: row.duration_ms,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    error: row.error,
  };
}

export function toSubmissionView(row: Pick<SubmissionRow, 'id' | 'index' | 'created_at'>): SubmissionView {
  return { id: String(row.id), index: row.index, createdAt: row.created_at.toISOString() };
}
