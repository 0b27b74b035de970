import type { Page } from '../api/types';

/** A newest-first list read page by page from the API and kept current by live events. */
export interface ListState<T> {
  items: T[];
  /** Where the next older page starts; null once the oldest item is loaded. */
  nextCursor: string | null;
  phase: 'loading' | 'ready' | 'failed';
  error: string | null;
  /** Items added by live events since the newest page was loaded. */
  liveAdded: number;
  /** New items live events brought once `LIVE_ITEMS` had been added, not shown (keys, at most MAX_NEWER). */
  newer: ReadonlySet<string>;
  /**
   * Copies, by key, of items of older pages not loaded yet that events brought: a page under way may have
   * been read before they changed. Each is merged in when its page arrives (if fresher than the page's
   * copy). At most MAX_HELD.
   */
  held: ReadonlyMap<string, T>;
}

/**
 * Live events add at most this many items above what was loaded; past that the list counts the new ones
 * and offers to show the newest page. A page left open on a busy service thus holds a bounded list.
 */
export const LIVE_ITEMS = 500;
/** New items counted beyond LIVE_ITEMS at most (shown as "1,000+"). */
export const MAX_NEWER = 1_000;
/** Copies of items of unloaded pages held at most; past it, the oldest copies are let go. */
export const MAX_HELD = 1_000;

export type ListAction<T> =
  | { type: 'firstPageLoaded'; page: Page<T> }
  /** The page read from `cursor`: dropped unless the list still goes on from there (it was restarted meanwhile). */
  | { type: 'olderPageLoaded'; page: Page<T>; cursor: string }
  /** Items re-read while catching up, or learnt of directly: each is merged in, never duplicated. */
  | { type: 'itemsReceived'; items: readonly T[] }
  /** Items seen on the event stream: merged in as above, new ones only while there is room (LIVE_ITEMS). */
  | { type: 'liveItemsReceived'; items: readonly T[] }
  | { type: 'loadFailed'; message: string };

export interface ListRules<T> {
  keyOf: (item: T) => string;
  /** Negative when `a` is newer than `b`: the list's display order. */
  newestFirst: (a: T, b: T) => number;
  /** Whether `next` may replace `current`, which holds the same key; a stale copy must not win. */
  replaces: (current: T, next: T) => boolean;
}

export function initialListState<T>(): ListState<T> {
  return { items: [], nextCursor: null, phase: 'loading', error: null, liveAdded: 0, newer: new Set(), held: new Map() };
}

export function createListReducer<T>(rules: ListRules<T>) {
  /**
   * Merges `incoming` into `items`. With older pages not loaded yet, an unknown item older than the
   * last one shown belongs to one of them and is left for "load more": adding it would open a gap; it
   * is returned in `older`. At most `room` new items are added; the keys of the others are returned in
   * `left`.
   */
  function merge(items: readonly T[], incoming: readonly T[], bounded: boolean, room = Infinity) {
    const byKey = new Map(items.map((item) => [rules.keyOf(item), item]));
    const oldest = items.at(-1);
    let added = 0;
    let changed = false;
    const left: string[] = [];
    const older: T[] = [];
    for (const item of incoming) {
      const key = rules.keyOf(item);
      const current = byKey.get(key);
      if (current === undefined) {
        if (bounded && oldest !== undefined && rules.newestFirst(item, oldest) > 0) {
          older.push(item);
          continue;
        }
        if (added >= room) {
          left.push(key);
          continue;
        }
        added++;
      } else if (current === item || !rules.replaces(current, item)) {
        continue;
      }
      byKey.set(key, item);
      changed = true;
    }
    return { items: changed ? [...byKey.values()].sort(rules.newestFirst) : (items as T[]), added, left, older };
  }

  /** `held` with the copies in `older` added (a later copy of a key replacing an earlier one, if fresher). */
  function hold(held: ReadonlyMap<string, T>, older: readonly T[]): ReadonlyMap<string, T> {
    if (older.length === 0) return held;
    const next = new Map(held);
    for (const item of older) {
      const key = rules.keyOf(item);
      const current = next.get(key);
      if (current !== undefined && !rules.replaces(current, item)) continue;
      next.delete(key);
      next.set(key, item);
    }
    for (const key of next.keys()) {
      if (next.size <= MAX_HELD) break;
      next.delete(key);
    }
    return next;
  }

  return function reduce(state: ListState<T>, action: ListAction<T>): ListState<T> {
    switch (action.type) {
      case 'firstPageLoaded': {
        // Starts the list afresh from the newest page. Items already held (events that arrived while it
        // loaded) are merged in when they fall within it: they may be fresher than the page.
        // Older pages are read afresh after it: the copies held for them are of no more use.
        const { items } = merge(action.page.items, state.items, action.page.nextCursor !== null);
        return { items, nextCursor: action.page.nextCursor, phase: 'ready', error: null, liveAdded: 0, newer: new Set(), held: new Map() };
      }
      case 'olderPageLoaded': {
        if (action.cursor !== state.nextCursor) return state;
        // The page may have been read before an event changed one of its items: the copy held wins if fresher.
        const keys = new Set(action.page.items.map(rules.keyOf));
        const due = [...state.held].filter(([key]) => keys.has(key));
        const withPage = merge(state.items, action.page.items, false).items;
        return {
          ...state,
          items: merge(withPage, due.map(([, item]) => item), false).items,
          nextCursor: action.page.nextCursor,
          held: due.length === 0 ? state.held : new Map([...state.held].filter(([key]) => !keys.has(key))),
        };
      }
      case 'itemsReceived': {
        const { items, older } = merge(state.items, action.items, state.nextCursor !== null);
        const held = hold(state.held, older);
        return items === state.items && held === state.held ? state : { ...state, items, held };
      }
      case 'liveItemsReceived': {
        const { items, added, left, older } = merge(state.items, action.items, state.nextCursor !== null, LIVE_ITEMS - state.liveAdded);
        const newer = left.length === 0 || state.newer.size >= MAX_NEWER ? state.newer : new Set([...state.newer, ...left].slice(0, MAX_NEWER));
        const held = hold(state.held, older);
        return items === state.items && newer === state.newer && held === state.held
          ? state
          : { ...state, items, liveAdded: state.liveAdded + added, newer, held };
      }
      case 'loadFailed':
        return state.phase === 'ready' ? state : { ...state, phase: 'failed', error: action.message };
    }
  };
}
