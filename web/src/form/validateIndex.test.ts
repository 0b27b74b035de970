import { describe, expect, it } from 'vitest';
import { validateIndex } from './validateIndex';

const codeOf = (raw: string, maxIndex: number | null = 1_000) => {
  const check = validateIndex(raw, maxIndex);
  return check.ok ? check.index : check.problem.code;
};

describe('checking the index before it is sent', () => {
  it('accepts whole numbers from 0 to the limit', () => {
    expect(codeOf('0')).toBe(0);
    expect(codeOf(' 42 ')).toBe(42);
    expect(codeOf('1000')).toBe(1_000);
  });

  it('names each mistake with the API’s code', () => {
    expect(codeOf('')).toBe('INDEX_REQUIRED');
    expect(codeOf('   ')).toBe('INDEX_REQUIRED');
    expect(codeOf('-3')).toBe('INDEX_NEGATIVE');
    expect(codeOf('1.5')).toBe('INDEX_NOT_INTEGER');
    expect(codeOf('1e3')).toBe('INDEX_NOT_INTEGER');
    expect(codeOf('ten')).toBe('INDEX_NOT_INTEGER');
    expect(codeOf('1001')).toBe('INDEX_TOO_LARGE');
    expect(codeOf('99999999999999999999999')).toBe('INDEX_TOO_LARGE');
  });

  it('leaves the limit to the server until the page knows it', () => {
    expect(codeOf('5000000', null)).toBe(5_000_000);
  });

  it('tells the limit in the message', () => {
    const check = validateIndex('20000', 10_000);
    expect(check.ok ? null : check.problem.message).toBe('The index must be at most 10,000.');
  });
});
