import { describe, expect, it } from 'vitest';
import { formatDigitCount, formatDuration } from './numbers';

describe('formatting numbers', () => {
  it('counts digits with separators and the right noun', () => {
    expect(formatDigitCount(1)).toBe('1 digit');
    expect(formatDigitCount(19)).toBe('19 digits');
    expect(formatDigitCount(2_089_877)).toBe('2,089,877 digits');
    // A summary-only F(n)'s length, as the admin page's "Slowest calculations" shows it.
    expect(formatDigitCount(1_882_393_317_509_687)).toBe('1,882,393,317,509,687 digits');
  });

  it('writes durations at the precision that matters for their size', () => {
    expect(formatDuration(0.04)).toBe('0.04 ms');
    expect(formatDuration(3.5)).toBe('3.5 ms');
    expect(formatDuration(412.4)).toBe('412 ms');
    expect(formatDuration(1_500)).toBe('1.5 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(119_600)).toBe('2 min');
  });
});
