import { describe, expect, it } from 'vitest';
import type { Page } from '../api/types';
import { catchUp } from './catchUp';

/** A newest-first log of numbers served two per page, the cursor being the next position. */
function pages(log: number[]) {
  const reads: (string | null)[] = [];
  const read = async (cursor: string | null): Promise<Page<number>> => {
    reads.push(cursor);
    const start = Number(cursor ?? 0);
    const next = start + 2;
    return { items: log.slice(start, next), nextCursor: next < log.length ? String(next) : null };
  };
  return { read, reads };
}

describe('catching up after a disconnection', () => {
  it('reads pages until it reaches an item already shown', async () => {
    const { read, reads } = pages([9, 8, 7, 6, 5, 4]);
    const result = await catchUp(read, (n) => n <= 6);
    expect(result).toEqual({ kind: 'overlap', items: [9, 8, 7, 6] });
    expect(reads).toEqual([null, '2']);
  });

  it('stops at the end of the log when nothing shown is in it', async () => {
    const { read } = pages([3, 2, 1]);
    expect(await catchUp(read, () => false)).toEqual({ kind: 'overlap', items: [3, 2, 1] });
  });

  it('starts the list again from the newest page when too much was missed', async () => {
    const { read, reads } = pages([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const result = await catchUp(read, (n) => n === 1, 3);
    expect(result).toEqual({ kind: 'restart', page: { items: [10, 9], nextCursor: '2' } });
    expect(reads).toHaveLength(3);
  });
});
