import type { Page } from '../api/types';

/** A newest-first list read page by page from the API and kept current by live events. */
export interface ListState<T> {
  items: T[];
  /** Where the next older page starts; null once the oldest item is loaded. */
  nextCursor: string | null;
  phase: 'loading' | 'ready' | 'failed';
  error: string | null;
}

export type ListAction<T> =
  | { type: 'firstPageLoaded'; page: Page<T> }
  | { type: 'olderPageLoaded'; page: Page<T> }
  /** Items seen live or re-read while catching up: each is merged in, never duplicated. */
  | { type: 'itemsReceived'; items: readonly T[] }
  | { type: 'loadFailed'; message: string };

export interface ListRules<T> {
  keyOf: (item: T) => string;
  /** Negative when `a` is newer than `b`: the list's display order. */
  newestFirst: (a: T, b: T) => number;
  /** Whether `next` may replace `current`, which holds the same key; a stale copy must not win. */
  replaces: (current: T, next: T) => boolean;
}

export function initialListState<T>(): ListState<T> {
  return { items: [], nextCursor: null, phase: 'loading', error: null };
}

export function createListReducer<T>(rules: ListRules<T>) {
  /**
   * Merges `incoming` into `items`. With older pages not loaded yet, an unknown item older than the
   * last one shown belongs to one of them and is left for "load more": adding it would open a gap.
   */
  function merge(items: readonly T[], incoming: readonly T[], bounded: boolean): T[] {
    const byKey = new Map(items.map((item) => [rules.keyOf(item), item]));
    const oldest = items.at(-1);
    let changed = false;
    for (const item of incoming) {
      const key = rules.keyOf(item);
      const current = byKey.get(key);
      if (current === undefined) {
        if (bounded && oldest !== undefined && rules.newestFirst(item, oldest) > 0) continue;
      } else if (current === item || !rules.replaces(current, item)) {
        continue;
      }
      byKey.set(key, item);
      changed = true;
    }
    return changed ? [...byKey.values()].sort(rules.newestFirst) : (items as T[]);
  }

  return function reduce(state: ListState<T>, action: ListAction<T>): ListState<T> {
    switch (action.type) {
      case 'firstPageLoaded': {
        // Starts the list afresh from the newest page. Items already held (events that arrived while it
        // loaded) are merged in when they fall within it: they may be fresher than the page.
        const items = merge(action.page.items, state.items, action.page.nextCursor !== null);
        return { items, nextCursor: action.page.nextCursor, phase: 'ready', error: null };
      }
      case 'olderPageLoaded':
        return { ...state, items: merge(state.items, action.page.items, false), nextCursor: action.page.nextCursor };
      case 'itemsReceived': {
        const items = merge(state.items, action.items, state.nextCursor !== null);
        return items === state.items ? state : { ...state, items };
      }
      case 'loadFailed':
        return state.phase === 'ready' ? state : { ...state, phase: 'failed', error: action.message };
    }
  };
}
