import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { api, ApiError } from '../api/client';
import { type Calculation, isUnfinished, type Page, type Submission } from '../api/types';
import { type ConnectionState, openEventStream } from '../live/eventStream';
import { catchUp } from './catchUp';
import { reduceCalculations } from './calculations';
import { coalesce } from './coalesce';
import { frameBatch } from './frameBatch';
import { initialListState, type ListAction, type ListState } from './listReducer';
import { reduceSubmissions } from './submissions';

const pageSize = 20;
/** A catch-up that failed (the server busy or away) is tried again after this long. */
const CATCH_UP_RETRY_MS = 5_000;
/** A page hidden this long closes its event stream until it is shown again. */
const HIDDEN_PAUSE_MS = 10_000;

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
export function useLiveData(
  onChange: (calculation: Calculation) => void,
  /** A calculation the page watches wherever it is in the list (its own latest), while unfinished. */
  watched: () => number | null = () => null,
): LiveData {
  const [calculations, dispatchCalculations] = useReducer(reduceCalculations, undefined, initialListState<Calculation>);
  const [submissions, dispatchSubmissions] = useReducer(reduceSubmissions, undefined, initialListState<Submission>);
  const [connection, setConnection] = useState<ConnectionState>({ kind: 'connecting' });
  const latest = useRef({ calculations, submissions, onChange, watched });
  latest.current = { calculations, submissions, onChange, watched };
  const reconnect = useRef<() => void>(() => undefined);

  // Every calculation the page learns of, by an event, a catch-up or a page read, goes past `onChange`,
  // then into the list; but not a page the list drops (read from where a restarted list no longer
  // goes: its copies may be older than what the page has since been told).
  const learn = useCallback((action: ListAction<Calculation>) => {
    const stale = action.type === 'olderPageLoaded' && action.cursor !== latest.current.calculations.nextCursor;
    const items = stale || action.type === 'loadFailed' ? [] : 'page' in action ? action.page.items : action.items;
    for (const calculation of items) latest.current.onChange(calculation);
    dispatchCalculations(action);
  }, []);

  const sync = useMemo(() => {
    // A list shown is left as it is when its catch-up fails, so the catch-up is tried again until it
    // succeeds (the next reconnection would, but the stream may well stay up).
    const retried = (task: () => Promise<boolean>) => {
      let retry: ReturnType<typeof setTimeout> | undefined;
      const run: () => void = coalesce(async () => {
        clearTimeout(retry);
        if (!(await task())) retry = setTimeout(run, CATCH_UP_RETRY_MS);
      });
      return run;
    };
    return {
      calculations: retried(async () => {
        const listed = await syncList(latest.current.calculations, learn, api.calculations, (c) => String(c.index));
        return (await refreshUnfinished(latest.current.calculations.items, latest.current.watched(), learn)) && listed;
      }),
      submissions: retried(() => syncList(latest.current.submissions, dispatchSubmissions, api.submissions, (s) => s.id)),
    };
  }, [learn]);

  const receive = useCallback((calculation: Calculation) => learn({ type: 'itemsReceived', items: [calculation] }), [learn]);

  // Live events are merged once per frame: under load they come by the thousand a second.
  const live = useMemo(
    () => ({
      calculations: frameBatch<Calculation>((items) => learn({ type: 'liveItemsReceived', items })),
      submissions: frameBatch<Submission>((items) => dispatchSubmissions({ type: 'liveItemsReceived', items })),
    }),
    [learn],
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
    // A page hidden a while gives its stream back (see EventStream.pause); shown again, it catches up.
    let hidden: ReturnType<typeof setTimeout> | undefined;
    const visibility = () => {
      clearTimeout(hidden);
      if (document.hidden) hidden = setTimeout(() => stream.pause(), HIDDEN_PAUSE_MS);
      else stream.resume();
    };
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    document.addEventListener('visibilitychange', visibility);
    // A page opened in the background is hidden from the start, with no change to hear of.
    if (document.hidden) visibility();
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      document.removeEventListener('visibilitychange', visibility);
      clearTimeout(hidden);
      stream.close();
    };
  }, [sync, live]);

  return {
    calculations,
    submissions,
    connection,
    receive,
    loadOlderCalculations: () => loadOlder(latest.current.calculations, learn, api.calculations),
    loadOlderSubmissions: () => loadOlder(latest.current.submissions, dispatchSubmissions, api.submissions),
    showNewestCalculations: () => loadNewest(learn, api.calculations),
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
): Promise<boolean> {
  try {
    if (state.phase !== 'ready') {
      await loadNewest(dispatch, read);
      return true;
    }
    const shown = new Set(state.items.map(keyOf));
    const result = await catchUp((cursor) => read(pageSize, cursor), (item) => shown.has(keyOf(item)));
    dispatch(result.kind === 'overlap' ? { type: 'itemsReceived', items: result.items } : { type: 'firstPageLoaded', page: result.page });
    return true;
  } catch (error) {
    dispatch({ type: 'loadFailed', message: error instanceof Error ? error.message : String(error) });
    return false;
  }
}

/**
 * Calculations shown as queued or running may have finished while the stream was down: ask for the
 * newest few (older ones are rarely looked at and are re-read with their page), and for the one
 * watched, wherever it is.
 */
async function refreshUnfinished(
  items: readonly Calculation[],
  watched: number | null,
  dispatch: (action: ListAction<Calculation>) => void,
): Promise<boolean> {
  const indexes = items.filter((c) => isUnfinished(c.status)).slice(0, pageSize).map((c) => c.index);
  if (watched !== null && !indexes.includes(watched)) indexes.push(watched);
  if (indexes.length === 0) return true;
  let failed = false;
  const read = (index: number) =>
    api.calculation(index).catch((error: unknown) => {
      // Gone from the record (a restored backup) is an answer; the server busy or away is not.
      if (!(error instanceof ApiError && error.code === 'NOT_FOUND')) failed = true;
      return null;
    });
  const fresh = await Promise.all(indexes.map(read));
  dispatch({ type: 'itemsReceived', items: fresh.filter((c) => c !== null) });
  return !failed;
}

/** The newest page, in place of the list. */
async function loadNewest<T>(dispatch: (action: ListAction<T>) => void, read: ReadPage<T>) {
  dispatch({ type: 'firstPageLoaded', page: await read(pageSize, null) });
}

async function loadOlder<T>(state: ListState<T>, dispatch: (action: ListAction<T>) => void, read: ReadPage<T>) {
  const cursor = state.nextCursor;
  if (cursor === null) return;
  dispatch({ type: 'olderPageLoaded', page: await read(pageSize, cursor), cursor });
}
