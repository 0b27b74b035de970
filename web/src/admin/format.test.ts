import { describe, expect, it } from 'vitest';
import { ago, bytes, duration, percent, rate, work } from './format';

describe('admin formatting', () => {
  it('writes rates, durations, ages and sizes for people', () => {
    expect(percent(0.125)).toBe('12.5%');
    expect(duration(null)).toBe('—');
    expect(duration(250)).toBe('250 ms');
    expect(duration(136.08768299999792)).toBe('136 ms');
    expect(duration(0.0421)).toBe('0.04 ms');
    expect(duration(1_500)).toBe('1.50 s');
    const now = Date.parse('2026-01-01T00:10:00Z');
    expect(ago('2026-01-01T00:09:48Z', now)).toBe('12 s ago');
    expect(ago('2026-01-01T00:00:00Z', now)).toBe('10 min ago');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(2_048)).toBe('2.0 kB');
  });

  it('writes rates grouped, with one decimal at most', () => {
    expect(rate(3.333)).toBe('3.3');
    expect(rate(2)).toBe('2');
    expect(rate(0.04)).toBe('0');
    expect(rate(12_345.67)).toBe('12,345.7');
  });

  it('says what a running job works on: a calculation’s index, a batch’s size, or the job', () => {
    const startedAt = '2026-01-01T00:00:00Z';
    expect(work({ name: 'compute-fibonacci', id: 'fib-123456-2', startedAt, index: 123_456 })).toBe('F(123456)');
    expect(work({ name: 'compute-fibonacci-batch', id: 'fibs-b9', startedAt, calculations: 9 })).toBe('batch of 9');
    expect(work({ name: 'backup', id: 'repeat:backup:1', startedAt })).toBe('backup');
  });
});
