import { describe, expect, it } from 'vitest';
import { ago, bytes, calculationName, clock, duration, percent, rate, work } from './format';

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
    expect(work({ name: 'compute-fibonacci', id: 'fib-123456-2', startedAt, index: 123_456 })).toBe('F(123,456)');
    expect(work({ name: 'compute-fibonacci-batch', id: 'fibs-b9', startedAt, calculations: 9 })).toBe('batch of 9');
    expect(work({ name: 'backup', id: 'repeat:backup:1', startedAt })).toBe('backup');
  });

  it('groups an index as the main page does', () => {
    expect(calculationName(7)).toBe('F(7)');
    expect(calculationName(9_007_199_254_740_991)).toBe('F(9,007,199,254,740,991)');
  });

  it('writes a time of day with its zone, and the day too when it is not today there', () => {
    // 03:00 UTC, a schedule's `0 3 * * *`, is 08:30 in Kolkata.
    const kolkata = { locale: 'en-US', timeZone: 'Asia/Kolkata' };
    expect(clock('2026-01-01T03:00:00Z', new Date('2026-01-01T01:00:00Z'), kolkata)).toBe('08:30:00 AM GMT+5:30');
    // 23:00 UTC is already the next day there.
    expect(clock('2026-01-01T23:00:00Z', new Date('2026-01-01T01:00:00Z'), kolkata)).toBe('Jan 2, 04:30 AM GMT+5:30');
    expect(clock('2026-07-01T03:00:00Z', new Date('2026-07-01T01:00:00Z'), { locale: 'en-GB', timeZone: 'UTC' })).toBe('03:00:00 UTC');
    // The day is the zone's: 03:00 UTC is yesterday evening in New York by noon (UTC), today an hour before.
    const newYork = { locale: 'en-US', timeZone: 'America/New_York' };
    expect(clock('2026-07-01T03:00:00Z', new Date('2026-07-01T12:00:00Z'), newYork)).toBe('Jun 30, 11:00 PM EDT');
    expect(clock('2026-07-01T03:00:00Z', new Date('2026-07-01T02:00:00Z'), newYork)).toBe('11:00:00 PM EDT');
  });
});
