// The shapes of docs/api.md, as the client reads them, with the questions it asks of a status.

export type CalculationStatus = 'queued' | 'running' | 'done' | 'failed';

/** Done or failed: the calculation will not change again unless it is retried. */
export const isFinished = (status: CalculationStatus): boolean => status === 'done' || status === 'failed';

/** Queued or running: a worker has yet to finish it. */
export const isUnfinished = (status: CalculationStatus): boolean => status === 'queued' || status === 'running';

export interface Calculation {
  index: number;
  status: CalculationStatus;
  /** False above the server's exact limit: only the digit count, head and tail are known. */
  exact: boolean;
  digits: number | null;
  head: string | null;
  tail: string | null;
  durationMs: number | null;
  createdAt: string;
  completedAt: string | null;
  error: string | null;
}

export interface Submission {
  id: string;
  index: number;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ClientConfig {
  maxIndex: number;
  /** Above this index a calculation is known by its length and ends only (no value to download). */
  maxExactIndex: number;
}
