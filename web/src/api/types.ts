// The shapes of docs/api.md, as the client reads them.

export type CalculationStatus = 'queued' | 'running' | 'done' | 'failed';

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
