import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { outcomeWithin, withTimeout } from './timeout.js';

describe('withTimeout', () => {
  it('answers with the value, or rejects once the time has passed', async () => {
    expect(await withTimeout(Promise.resolve(1), 50)).toBe(1);
    await expect(withTimeout(sleep(200), 20)).rejects.toThrow('timeout');
  });
});

describe('outcomeWithin', () => {
  it('says how the promise settled in time, and never rejects', async () => {
    expect(await outcomeWithin(Promise.resolve(1), 50)).toBe('fulfilled');
    expect(await outcomeWithin(Promise.reject(new Error('timeout')), 50)).toBe('rejected');
    expect(await outcomeWithin(sleep(200), 20)).toBe('timeout');
    expect(await outcomeWithin(sleep(200).then(() => Promise.reject(new Error('late'))), 20)).toBe('timeout');
  });
});
