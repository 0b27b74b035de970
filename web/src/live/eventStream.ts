import type { Calculation, Submission } from '../api/types';
import { parseCalculation, parseSubmission } from './parse';
import { type Backoff, backoffDelay, defaultBackoff } from './backoff';

/** What the page tells people about its live connection. */
export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'live' }
  | { kind: 'retrying'; attempt: number; retryAt: number }
  /** Closed while the page is hidden (see `pause`). */
  | { kind: 'paused' };

/** The part of the browser's EventSource this module uses, so tests can pass Node's implementation. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export interface EventStreamOptions {
  url: string;
  onCalculation: (calculation: Calculation) => void;
  onSubmission: (submission: Submission) => void;
  /** Called on every `ready`: the first page of each list is re-read, so nothing missed while away is lost. */
  onReady: () => void;
  onStateChange: (state: ConnectionState) => void;
  backoff?: Backoff;
  random?: () => number;
  createSource?: (url: string) => EventSourceLike;
}

export interface EventStream {
  /** Skip the wait and try now (the browser came back online, say). */
  reconnectNow(): void;
  /**
   * Treat the connection as lost (the browser went offline): an open stream can look healthy for
   * minutes after its network is gone, so it is closed and retried like any other failure.
   */
  interrupt(): void;
  /**
   * Closes the connection until `resume`, without retrying: a hidden page gives back what it holds (a
   * browser opens at most 6 connections to a server over HTTP/1.1, and every tab's stream keeps one).
   */
  pause(): void;
  /** Connects again at once if paused; `ready` then asks for the catch-up. */
  resume(): void;
  close(): void;
}

/**
 * Subscribes to the API's server-sent events and keeps the subscription alive. The browser's own
 * EventSource retries at a fixed pace and gives up on an HTTP error; here every failure closes the source
 * and a new one is opened after an exponential, jittered backoff, which resets once the server says ready.
 */
export function openEventStream(options: EventStreamOptions): EventStream {
  const backoff = options.backoff ?? defaultBackoff;
  const createSource = options.createSource ?? ((url: string) => new EventSource(url));
  let source: EventSourceLike | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;
  let closed = false;
  let paused = false;

  function connect(): void {
    timer = null;
    options.onStateChange({ kind: 'connecting' });
    const current = createSource(options.url);
    source = current;
    current.addEventListener('ready', () => {
      if (source !== current) return;
      failures = 0;
      options.onStateChange({ kind: 'live' });
      options.onReady();
    });
    current.addEventListener('calculation', (event) => {
      if (source !== current) return;
      const calculation = parseCalculation(event.data);
      if (calculation) options.onCalculation(calculation);
    });
    current.addEventListener('submission', (event) => {
      if (source !== current) return;
      const submission = parseSubmission(event.data);
      if (submission) options.onSubmission(submission);
    });
    current.addEventListener('error', () => {
      if (source === current) fail();
    });
  }

  function fail(): void {
    source?.close();
    source = null;
    scheduleRetry();
  }

  function scheduleRetry(): void {
    if (closed || paused) return;
    failures += 1;
    const delay = backoffDelay(failures, backoff, options.random);
    options.onStateChange({ kind: 'retrying', attempt: failures, retryAt: Date.now() + delay });
    timer = setTimeout(connect, delay);
  }

  connect();

  return {
    reconnectNow() {
      if (closed || paused || timer === null) return;
      clearTimeout(timer);
      connect();
    },
    interrupt() {
      if (source !== null) fail();
    },
    pause() {
      if (closed || paused) return;
      paused = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      source?.close();
      source = null;
      options.onStateChange({ kind: 'paused' });
    },
    resume() {
      if (closed || !paused) return;
      paused = false;
      failures = 0;
      connect();
    },
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      source?.close();
      source = null;
    },
  };
}
