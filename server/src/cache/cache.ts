import type { CalculationView } from '../services/calculation.view.js';

/**
 * Finished calculations never change, so their views are cached: reads of popular indexes skip
 * Postgres. Redis across processes, or a bounded map in the embedded default.
 */
export interface CalculationCache {
  get(index: number): Promise<CalculationView | undefined>;
  set(view: CalculationView): Promise<void>;
  /** Forgets every view: after a restore, the record may no longer have them. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** How long a cached view lives. */
export const CACHE_TTL_SECONDS = 3_600;
