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

  it('leaves the limit to the server until the page knows it, but for numbers past 2^53', () => {
    expect(codeOf('5000000', null)).toBe(5_000_000);
    expect(codeOf('9007199254740991', null)).toBe(Number.MAX_SAFE_INTEGER);
    expect(codeOf('9007199254740993', null)).toBe('INDEX_TOO_LARGE');
    expect(codeOf('9'.repeat(400), null)).toBe('INDEX_TOO_LARGE');
  });

  it('reads digits grouped by three as the page writes them', () => {
    expect(codeOf('1,000', null)).toBe(1_000);
    expect(codeOf('100,000', null)).toBe(100_000);
    expect(codeOf('1 234 567', null)).toBe(1_234_567);
    expect(codeOf('1\u202f234', null)).toBe(1_234);
    expect(codeOf('10_000', null)).toBe(10_000);
    expect(codeOf('+1,000', null)).toBe(1_000);
    expect(codeOf('-1,000', null)).toBe('INDEX_NEGATIVE');
    for (const odd of ['1,00', '1,000 000', ',100', '1,0000', '1.000', '1,000.5', '-0', '+-1', '--1']) expect(codeOf(odd, null)).toBe('INDEX_NOT_INTEGER');
  });

  it('says what the server would say', () => {
    const message = (raw: string) => {
      const check = validateIndex(raw, 10_000);
      return check.ok ? null : check.problem.message;
    };
    expect(message('20000')).toBe('index must be at most 10,000');
    expect(message('-1')).toBe('index must be 0 or more');
    expect(message('x')).toBe('index must be a whole number');
    expect(message('')).toBe('index is required');
  });

  it('groups the digits of the limit as the hint beside the field does', () => {
    const check = validateIndex('9007199254740993', null);
    expect(check.ok ? null : check.problem).toEqual({ code: 'INDEX_TOO_LARGE', message: 'index must be at most 9,007,199,254,740,991' });
  });
});
