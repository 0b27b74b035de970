/** Row types of the tables, as Kysely sees them. The migrations are the source of truth. */
import type { ColumnType, Generated, Selectable } from 'kysely';

export type CalculationStatus = 'queued' | 'running' | 'done' | 'failed';

export interface CalculationsTable {
  index: number;
  /** Insertion order: the stable key of "newest first" pages. */
  seq: Generated<number>;
  status: ColumnType<CalculationStatus, CalculationStatus | undefined, CalculationStatus>;
  /** Bumped each time a failed calculation is queued again; part of the job id. */
  attempt: Generated<number>;
  /** Computations started: 1 unless a worker died mid-way or a run failed and was retried. */
  runs: Generated<number>;
  /** Whether the exact value is computed and stored; otherwise the summary (digits, head, tail) is all. */
  exact: Generated<boolean>;
  digits: number | null;
  head: string | null;
  tail: string | null;
  duration_ms: number | null;
  error: string | null;
  created_at: ColumnType<Date, never, never>;
  started_at: Date | null;
  completed_at: Date | null;
  /** The client (address) that first asked for it. */
  requested_by: string | null;
  /** Queued with others, computed by one job (`fibs-<batch>`); `null`: a job of its own. */
  batch: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface CalculationValuesTable {
  index: number;
  /** The exact value as big-endian bytes: what the worker stores, without converting to decimal. */
  bytes: Uint8Array | null;
  /** The decimal value, converted once off the event loop (at once for small values, else on first download). */
  decimal: string | null;
}

export interface SubmissionsTable {
  id: Generated<number>;
  index: number;
  /** The request that made it: a request sent again is recorded once. */
  request_id: string | null;
  created_at: ColumnType<Date, never, never>;
}

export interface Database {
  calculations: CalculationsTable;
  calculation_values: CalculationValuesTable;
  submissions: SubmissionsTable;
}

export type CalculationRow = Selectable<CalculationsTable>;
export type SubmissionRow = Selectable<SubmissionsTable>;
