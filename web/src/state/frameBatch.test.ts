import { describe, expect, it } from 'vitest';
import { frameBatch } from './frameBatch';

/** A schedule run by hand: `frame()` runs what was scheduled. */
function manualSchedule() {
  const scheduled: Array<() => void> = [];
  return { schedule: (run: () => void) => void scheduled.push(run), frame: () => scheduled.splice(0).forEach((run) => run()), scheduled };
}

describe('frameBatch', () => {
  it('hands over what arrived before the frame once, in order, and schedules again after', () => {
    const { schedule, frame, scheduled } = manualSchedule();
    const delivered: number[][] = [];
    const add = frameBatch<number>((items) => delivered.push(items), schedule);

    add(1);
    add(2);
    add(3);
    expect(delivered).toEqual([]);
    expect(scheduled).toHaveLength(1);
    frame();
    expect(delivered).toEqual([[1, 2, 3]]);

    add(4);
    frame();
    expect(delivered).toEqual([[1, 2, 3], [4]]);
  });

  it('hands over at once past 5,000 waiting, and the frame after has only what came since', () => {
    const { schedule, frame } = manualSchedule();
    const delivered: number[][] = [];
    const add = frameBatch<number>((items) => delivered.push(items), schedule);

    for (let i = 0; i < 5_001; i++) add(i);
    expect(delivered.map((items) => items.length)).toEqual([5_000]);
    frame();
    expect(delivered.map((items) => items.length)).toEqual([5_000, 1]);
    expect(delivered[1]).toEqual([5_000]);
  });
});
