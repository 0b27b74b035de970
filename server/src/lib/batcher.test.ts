import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';

/** A batcher whose batches double their items, recording each batch and holding it `delayMs`. */
function doubling(options: ConstructorParameters<typeof Batcher<number, number>>[1], delayMs = 0) {
  const batches: number[][] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const batcher = new Batcher<number, number>(async (items) => {
    batches.push(items);
    maxConcurrent = Math.max(maxConcurrent, ++concurrent);
    await sleep(delayMs);
    concurrent--;
    return items.map((item) => item * 2);
  }, options);
  return { batcher, batches, maxConcurrent: () => maxConcurrent };
}

describe('Batcher', () => {
  it('answers each item with its own result', async () => {
    const { batcher } = doubling({ maxSize: 100, maxInFlight: 1 });
    expect(await Promise.all([1, 2, 3].map((item) => batcher.add(item)))).toEqual([2, 4, 6]);
  });

  it('sends items that arrive together as one batch', async () => {
    const { batcher, batches } = doubling({ maxSize: 100, maxInFlight: 1 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.add(i)));
    expect(batches).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });

  it('sends an item alone when nothing else is waiting', async () => {
    const { batcher, batches } = doubling({ maxSize: 100, maxInFlight: 1 });
    await batcher.add(1);
    await batcher.add(2);
    expect(batches).toEqual([[1], [2]]);
  });

  it('gathers what arrives while a batch is under way into the next, in order', async () => {
    const { batcher, batches } = doubling({ maxSize: 100, maxInFlight: 1 }, 30);
    const first = batcher.add(1);
    await sleep(5);
    const later = [2, 3, 4].map((item) => batcher.add(item));
    expect(await Promise.all([first, ...later])).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('keeps to the size and in-flight limits', async () => {
    const { batcher, batches, maxConcurrent } = doubling({ maxSize: 4, maxInFlight: 2 }, 10);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => batcher.add(i)));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(Math.max(...batches.map((batch) => batch.length))).toBe(4);
    expect(batches.flat()).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(maxConcurrent()).toBe(2);
  });

  it('after a large batch, lingers to gather the next one larger', async () => {
    // A linger long beside the sleeps, so that a slow machine cannot end it between them.
    const { batcher, batches } = doubling({ maxSize: 100, maxInFlight: 1, linger: { ms: 1_000, fromSize: 3 } }, 10);
    const first = [1, 2, 3].map((item) => batcher.add(item));
    await sleep(15);
    // The first batch has gone: these arrive during its linger, and wait for one another.
    const second = batcher.add(4);
    await sleep(15);
    const third = batcher.add(5);
    expect(await Promise.all([...first, second, third])).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('lingers after large batches only, and never past a full batch', async () => {
    const small = doubling({ maxSize: 4, maxInFlight: 1, linger: { ms: 10_000, fromSize: 3 } });
    await small.batcher.add(1);
    const started = performance.now();
    await small.batcher.add(2);
    expect(performance.now() - started).toBeLessThan(1_000);

    const { batcher, batches } = doubling({ maxSize: 3, maxInFlight: 1, linger: { ms: 10_000, fromSize: 3 } });
    await Promise.all([1, 2, 3].map((item) => batcher.add(item)));
    // Lingering now, 10 s at most: a full batch goes at once.
    const full = performance.now();
    expect(await Promise.all([4, 5, 6].map((item) => batcher.add(item)))).toEqual([8, 10, 12]);
    expect(performance.now() - full).toBeLessThan(1_000);
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('fails every item of a failed batch, and goes on with the next', async () => {
    let fail = true;
    const batcher = new Batcher<number, number>(async (items) => {
      if (fail) throw new Error('database away');
      return items;
    }, { maxSize: 10, maxInFlight: 1 });
    const failed = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.add(3)).toBe(3);
  });

  it('refuses a batch answered with the wrong number of results', async () => {
    const batcher = new Batcher<number, number>(async () => [1], { maxSize: 10, maxInFlight: 1 });
    const results = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
  });
});
