import type { CalculationView, SubmissionView } from '../services/calculation.view.js';

/** What every api process tells its event-stream clients: a calculation changed, or an index was submitted. */
export type AppEvent =
  | { type: 'calculation'; data: CalculationView }
  | { type: 'submission'; data: SubmissionView };

export type EventListener = (event: AppEvent) => void;

/** Redis pub/sub across processes, or an in-process emitter in the embedded default. */
export interface EventBus {
  /** Several events go as one message: listeners get them one by one, in order. */
  publish(...events: AppEvent[]): Promise<void>;
  /**
   * Returns the function that unsubscribes. `onMissed` is told when events may have been missed (the
   * connection to Redis was lost and is back), so that what relies on every event can catch up.
   */
  subscribe(listener: EventListener, onMissed?: () => void): Promise<() => void>;
  /**
   * Told once per published message that something changed, without its events being decoded: for
   * what needs to know that, not what (a cache to drop). A process with no `subscribe` listeners
   * decodes nothing. Returns the function that unsubscribes.
   */
  onChange(listener: () => void): Promise<() => void>;
  close(): Promise<void>;
}
