import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { api } from '../api/client';
import type { Calculation, Page, Submission } from '../api/types';
import { type ConnectionState, openEventStream } from '../live/eventStream';
import { catchUp } from './catchUp';
import { reduceCalculations } from './calculations';
import { coalesce } from './coalesce';
import { frameBatch } from './frameBatch';
import { initialListState, type ListAction, type ListState } from './listReducer';
import { reduceSubmissions } from './submissions';

const pageSize = 20;

export interface LiveData {
  calculations: ListState<Calculation>;
  submissions: ListState<Submission>;
  connection: ConnectionState;
  /** Merges a calculation the page learnt of itself (the answer to its own submission). */
  receive: (calculation: Calculation) => void;
  loadOlderCalculations: () => Promise<void>;
  loadOlderSubmissions: () => Promise<void>;
  /** Reads the newest page again, in place of the list: for the new items live events no longer add. */
  showNewestCalculations: () => Promise<void>;
  showNewestSubmissions: () => Promise<void>;
  reconnectNow: () => void;
}

/**
 * Both lists, kept current: read on start, updated by each `calculation` and `submission` event, and
 * re-read from the newest page whenever the event stream (re)opens, so nothing missed while it was
 * down is lost.
 */
export function useLiveData(onChange: (previous: Calculation | undefined, next: Calculation) => void): LiveData {
  const [calculations, dispatchCalculations] = useReducer(reduceCalculations, undefined, initialListState<Calculation>);
  const [submissions, dispatchSubmissions] = useReducer(reduceSubmissions, undefined, initialListState<Submission>);
  const [connection, setConnection] = useState<ConnectionState>({ kind: 'connecting' });
  const latest = useRef({ calculations, submissions, onChange });
  latest.current = { calculations, submissions, onChange };
  const reconnect = useRef<() => void>(() => undefined);

  const sync = useMemo(
    () => ({
      calculations: coalesce(async () => {
        await syncList(latest.current.calculations, dispatchCalculations, api.calculations, (c) => String(c.index));
        await refreshUnfinished(latest.current.calculations.items, dispatchCalculations);
      }),
      submissions: coalesce(() =>
        syncList(latest.current.submissions, dispatchSubmissions, api.submissions, (s) => s.id),
      ),
    }),
    [],
  );

  // Tells `onChange` how each calculation changes the one shown (a later one of the same index: the one
  // before it among `items`), then merges them in.
  const merge = useCallback((items: Calculation[], type: 'itemsReceived' | 'liveItemsReceived') => {
    const shown = new Map(latest.current.calculations.items.map((c) => [c.index, c]));
    for (const calculation of items) {
      latest.current.onChange(shown.get(calculation.index), calculation);
      shown.set(calculation.index, calculation);
    }
    dispatchCalculations({ type, items });
  }, []);

  const receive = useCallback((calculation: Calculation) => merge([calculation], 'itemsReceived'), [merge]);

  // Live events are merged once per frame: under load they come by the thousand a second.
  const live = useMemo(
    () => ({
      calculations: frameBatch<Calculation>((items) => merge(items, 'liveItemsReceived')),
      submissions: frameBatch<Submission>((items) => dispatchSubmissions({ type: 'liveItemsReceived', items })),
    }),
    [merge],
  );

  useEffect(() => {
    sync.calculations();
    sync.submissions();
    const stream = openEventStream({
      url: api.eventsUrl,
      onCalculation: live.calculations,
      onSubmission: live.submissions,
      onReady: () => {
        sync.calculations();
        sync.submissions();
      },
      onStateChange: setConnection,
    });
    reconnect.current = () => stream.reconnectNow();
    const online = () => stream.reconnectNow();
    const offline = () => stream.interrupt();
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      stream.close();
    };
  }, [sync, live]);

  return {
    calculations,
    submissions,
    connection,
    receive,
    loadOlderCalculations: () => loadOlder(latest.current.calculations, dispatchCalculations, api.calculations),
    loadOlderSubmissions: () => loadOlder(latest.current.submissions, dispatchSubmissions, api.submissions),
    showNewestCalculations: () => loadNewest(dispatchCalculations, api.calculations),
    showNewestSubmissions: () => loadNewest(dispatchSubmissions, api.submissions),
    reconnectNow: () => reconnect.current(),
  };
}

type ReadPage<T> = (limit: number, cursor: string | null) => Promise<Page<T>>;

async function syncList<T>(
  state: ListState<T>,
  dispatch: (action: ListAction<T>) => void,
  read: ReadPage<T>,
  keyOf: (item: T) => string,
): Promise<void> {
  try {
    if (state.phase !== 'ready') {
      await loadNewest(dispatch, read);
      return;
    }
    const shown = new Set(state.items.map(keyOf));
    const result = await catchUp((cursor) => read(pageSize, cursor), (item) => shown.has(keyOf(item)));
    dispatch(result.kind === 'overlap' ? { type: 'itemsReceived', items: result.items } : { type: 'firstPageLoaded', page: result.page });
  } catch (error) {
    dispatch({ type: 'loadFailed', message: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * Calculations shown as queued or running may have finished while the stream was down: ask for the
 * newest few (older ones are rarely looked at and are re-read with their page).
 */
async function refreshUnfinished(items: readonly Calculation[], dispatch: (action: ListAction<Calculation>) => void) {
  const unfinished = items.filter((c) => c.status === 'queued' || c.status === 'running').slice(0, pageSize);
  if (unfinished.length === 0) return;
  const fresh = await Promise.all(unfinished.map((c) => api.calculation(c.index).catch(() => null)));
  dispatch({ type: 'itemsReceived', items: fresh.filter((c) => c !== null) });
}

/** The newest page, in place of the list. */
async function loadNewest<T>(dispatch: (action: ListAction<T>) => void, read: ReadPage<T>) {
  dispatch({ type: 'firstPageLoaded', page: await read(pageSize, null) });
}

async function loadOlder<T>(state: ListState<T>, dispatch: (action: ListAction<T>) => void, read: ReadPage<T>) {
  if (state.nextCursor === null) return;
  dispatch({ type: 'olderPageLoaded', page: await read(pageSize, state.nextCursor) });
}
