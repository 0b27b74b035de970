import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ReadCache } from './read-cache.js';

/** A load that counts its calls and answers with the call's number. */
function counter() {
  let calls = 0;
  const load = async () => ++calls;
  return { load, calls: () => calls };
}

describe('ReadCache', () => {
  it('answers from memory until invalidated', async () => {
    const cache = new ReadCache(60_000);
    const { load, calls } = counter();
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(1);
    cache.invalidate();
    expect(await cache.get('a', load)).toBe(2);
    expect(calls()).toBe(2);
  });

  it('keeps keys apart', async () => {
    const cache = new ReadCache(60_000);
    const { load } = counter();
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('b', load)).toBe(2);
    expect(await cache.get('a', load)).toBe(1);
  });

  it('shares one load among concurrent misses', async () => {
    const cache = new ReadCache(60_000);
    const { load, calls } = counter();
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.get('a', load)));
    expect(new Set(answers)).toEqual(new Set([1]));
    expect(calls()).toBe(1);
  });

  it('does not keep a load that was under way when the data changed', async () => {
    const cache = new ReadCache(60_000);
    let release!: (value: string) => void;
    const before = cache.get('a', () => new Promise<string>((resolve) => (release = resolve)));
    cache.invalidate();
    const after = cache.get('a', async () => 'after the change');
    release('before the change');
    expect(await before).toBe('before the change');
    expect(await after).toBe('after the change');
    expect(await cache.get('a', async () => 'unexpected')).toBe('after the change');
  });

  it('forgets an answer older than its limit', async () => {
    const cache = new ReadCache(20);
    const { load } = counter();
    expect(await cache.get('a', load)).toBe(1);
    await sleep(40);
    expect(await cache.get('a', load)).toBe(2);
  });

  it('does not keep a failure', async () => {
    const cache = new ReadCache(60_000);
    await expect(cache.get('a', async () => Promise.reject(new Error('database away')))).rejects.toThrow('database away');
    expect(await cache.get('a', async () => 'back')).toBe('back');
  });

  it('loads every time when turned off', async () => {
    const cache = new ReadCache(0);
    const { load } = counter();
    await cache.get('a', load);
    expect(await cache.get('a', load)).toBe(2);
  });

  it('holds a bounded number of keys', async () => {
    const cache = new ReadCache(60_000, 3);
    const { load, calls } = counter();
    for (const key of ['a', 'b', 'c', 'd']) await cache.get(key, load);
    expect(await cache.get('d', load)).toBe(4);
    expect(await cache.get('a', load)).toBe(5);
    expect(calls()).toBe(5);
  });
});
