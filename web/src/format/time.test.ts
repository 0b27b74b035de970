import { describe, expect, it } from 'vitest';
import { formatMoment } from './time';

describe('formatting a moment', () => {
  const now = new Date(2026, 10, 22, 12, 0, 0);

  it('gives the time alone for today', () => {
    const today = formatMoment(new Date(2026, 10, 22, 5, 20, 1).toISOString(), now);
    expect(today).toMatch(/20/);
    expect(today).not.toMatch(/2026/);
  });

  it('adds the date for an earlier day', () => {
    expect(formatMoment(new Date(2026, 10, 21, 17, 2).toISOString(), now)).toMatch(/2026/);
  });
});
