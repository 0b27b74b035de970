import { describe, expect, it } from 'vitest';
import type { Calculation, CalculationStatus } from '../api/types';
import { reduceCalculations } from './calculations';
import { initialListState, LIVE_ITEMS, MAX_HELD, MAX_NEWER, type ListState } from './listReducer';

function calculation(index: number, status: CalculationStatus, second = index): Calculation {
  const done = status === 'done';
  return {
    index,
    status,
    exact: true,
    digits: done ? 1 : null,
    head: done ? '1' : null,
    tail: done ? '1' : null,
    durationMs: done ? 0.1 : null,
    createdAt: new Date(Date.UTC(2026, 10, 22, 5, 0, second)).toISOString(),
    completedAt: null,
    error: status === 'failed' ? 'worker crashed' : null,
  };
}

function loaded(items: Calculation[], nextCursor: string | null = null): ListState<Calculation> {
  return reduceCalculations(initialListState(), { type: 'firstPageLoaded', page: { items, nextCursor } });
}

const indexes = (state: ListState<Calculation>) => state.items.map((c) => c.index);
const statusOf = (state: ListState<Calculation>, index: number) => state.items.find((c) => c.index === index)?.status;

describe('the calculations list', () => {
  it('follows a calculation from queued through running to done', () => {
    let state = loaded([]);
    for (const status of ['queued', 'running', 'done'] as const) {
      state = reduceCalculations(state, { type: 'itemsReceived', items: [calculation(7, status)] });
      expect(statusOf(state, 7)).toBe(status);
    }
    expect(state.items).toHaveLength(1);
  });

  it('ignores a stale copy that would move a calculation backwards', () => {
    let state = loaded([calculation(7, 'done')]);
    state = reduceCalculations(state, { type: 'itemsReceived', items: [calculation(7, 'running'), calculation(7, 'queued')] });
    expect(statusOf(state, 7)).toBe('done');

    state = reduceCalculations(loaded([calculation(8, 'running')]), { type: 'itemsReceived', items: [calculation(8, 'queued')] });
    expect(statusOf(state, 8)).toBe('running');
  });

  it('lets a failed calculation be queued again by a retry', () => {
    const state = reduceCalculations(loaded([calculation(9, 'failed')]), {
      type: 'itemsReceived',
      items: [calculation(9, 'queued')],
    });
    expect(statusOf(state, 9)).toBe('queued');
  });

  it('keeps newest first and never holds an index twice', () => {
    let state = loaded([calculation(5, 'done'), calculation(3, 'done')]);
    state = reduceCalculations(state, {
      type: 'itemsReceived',
      items: [calculation(4, 'queued'), calculation(6, 'queued'), calculation(4, 'running'), calculation(5, 'done')],
    });
    expect(indexes(state)).toEqual([6, 5, 4, 3]);
  });

  it('leaves an older unknown item to "load more" while older pages are unread', () => {
    const state = reduceCalculations(loaded([calculation(50, 'done'), calculation(40, 'done')], 'cursor'), {
      type: 'itemsReceived',
      items: [calculation(10, 'running'), calculation(60, 'queued')],
    });
    expect(indexes(state)).toEqual([60, 50, 40]);
  });

  it('appends an older page without duplicating what events already added', () => {
    let state = loaded([calculation(50, 'done'), calculation(40, 'done')], 'cursor');
    state = reduceCalculations(state, {
      type: 'olderPageLoaded',
      page: { items: [calculation(40, 'done'), calculation(30, 'done')], nextCursor: null },
      cursor: 'cursor',
    });
    expect(indexes(state)).toEqual([50, 40, 30]);
    expect(state.nextCursor).toBeNull();
  });

  it('drops an older page read from where a list restarted since no longer goes on', () => {
    // "Load more" asked from `cursor`; meanwhile a catch-up started the list afresh from the newest page.
    let state = loaded([calculation(50, 'done'), calculation(40, 'done')], 'cursor');
    state = reduceCalculations(state, { type: 'firstPageLoaded', page: { items: [calculation(90, 'done'), calculation(80, 'done')], nextCursor: 'after-80' } });
    state = reduceCalculations(state, {
      type: 'olderPageLoaded',
      page: { items: [calculation(30, 'done'), calculation(20, 'done')], nextCursor: 'after-20' },
      cursor: 'cursor',
    });
    expect(indexes(state)).toEqual([90, 80]);
    expect(state.nextCursor).toBe('after-80');
  });

  it('applies an event for an item of an older page when that page arrives, read before the change', () => {
    let state = loaded([calculation(50, 'done'), calculation(40, 'done')], 'cursor');
    state = reduceCalculations(state, { type: 'liveItemsReceived', items: [calculation(30, 'done'), calculation(20, 'running')] });
    expect(indexes(state)).toEqual([50, 40]);
    state = reduceCalculations(state, {
      type: 'olderPageLoaded',
      // F(30) read before it finished; F(20) read after the event, and since then done.
      page: { items: [calculation(30, 'running'), calculation(20, 'done')], nextCursor: 'older' },
      cursor: 'cursor',
    });
    expect(indexes(state)).toEqual([50, 40, 30, 20]);
    expect(statusOf(state, 30)).toBe('done');
    expect(statusOf(state, 20)).toBe('done');
    expect(state.held.size).toBe(0);
  });

  it(`holds at most ${MAX_HELD} copies for older pages, the latest`, () => {
    let state = loaded([calculation(5_000, 'done')], 'cursor');
    const events = Array.from({ length: MAX_HELD + 10 }, (_, i) => calculation(i, 'done', 0));
    state = reduceCalculations(state, { type: 'liveItemsReceived', items: events });
    expect(state.held.size).toBe(MAX_HELD);
    expect(state.held.has('9')).toBe(false);
    expect(state.held.has(String(MAX_HELD + 9))).toBe(true);
  });

  it('keeps events that arrived while the first page loaded', () => {
    let state = initialListState<Calculation>();
    state = reduceCalculations(state, { type: 'itemsReceived', items: [calculation(99, 'done')] });
    state = reduceCalculations(state, {
      type: 'firstPageLoaded',
      page: { items: [calculation(99, 'running'), calculation(98, 'done')], nextCursor: null },
    });
    expect(indexes(state)).toEqual([99, 98]);
    expect(statusOf(state, 99)).toBe('done');
  });

  it('reports a failed first load, but not over a list already shown', () => {
    const failed = reduceCalculations(initialListState(), { type: 'loadFailed', message: 'down' });
    expect(failed).toMatchObject({ phase: 'failed', error: 'down' });
    const shown = loaded([calculation(1, 'done')]);
    expect(reduceCalculations(shown, { type: 'loadFailed', message: 'down' })).toBe(shown);
  });
});

describe('the calculations list under a flood of live events', () => {
  const live = (state: ListState<Calculation>, items: Calculation[]) => reduceCalculations(state, { type: 'liveItemsReceived', items });
  const newOnes = (from: number, count: number, status: CalculationStatus = 'queued') =>
    Array.from({ length: count }, (_, i) => calculation(from + i, status, 10 + ((from + i) % 40)));

  it(`adds at most ${LIVE_ITEMS} new items, then counts the others without showing them`, () => {
    let state = loaded([calculation(1, 'done', 0)], 'cursor-1');
    state = live(state, newOnes(100, LIVE_ITEMS - 10));
    state = live(state, newOnes(1_000, 30));
    expect(state.items).toHaveLength(1 + LIVE_ITEMS);
    expect(state.newer.size).toBe(20);
    // The same new index again (queued, then done) counts once.
    state = live(state, newOnes(1_000 + 29, 1, 'done'));
    expect(state.newer.size).toBe(20);
  });

  it('still updates the items it shows, and starts afresh from a newly loaded page', () => {
    let state = loaded([calculation(1, 'queued', 0)], 'cursor-1');
    state = live(state, newOnes(100, LIVE_ITEMS + 5));
    state = live(state, [calculation(1, 'done', 0)]);
    expect(statusOf(state, 1)).toBe('done');
    expect(state.newer.size).toBe(5);

    state = reduceCalculations(state, { type: 'firstPageLoaded', page: { items: [calculation(5_000, 'queued', 59)], nextCursor: 'cursor-2' } });
    expect(indexes(state)).toEqual([5_000]);
    expect(state.newer.size).toBe(0);
    state = live(state, [6_000, 6_001, 6_002].map((index) => calculation(index, 'queued', 59)));
    expect(indexes(state)).toEqual([6_002, 6_001, 6_000, 5_000]);
  });

  it(`counts at most ${MAX_NEWER} new items`, () => {
    let state = live(loaded([], null), newOnes(0, LIVE_ITEMS));
    state = live(state, newOnes(10_000, MAX_NEWER + 50));
    expect(state.newer.size).toBe(MAX_NEWER);
  });

  it('adds what it learns directly (an answer to this page, a catch-up) without counting it against live events', () => {
    let state = live(loaded([], null), newOnes(0, LIVE_ITEMS));
    state = reduceCalculations(state, { type: 'itemsReceived', items: newOnes(20_000, 3) });
    expect(state.items).toHaveLength(LIVE_ITEMS + 3);
    expect(state.newer.size).toBe(0);
  });
});
