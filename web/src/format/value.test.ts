import { describe, expect, it } from 'vitest';
import { previewValue } from './value';

/** The summary the API sends for a value: its digit count and first and last 20 digits. */
function summary(value: string) {
  return { digits: value.length, head: value.slice(0, 20), tail: value.slice(-20) };
}

describe('previewing a value from its summary', () => {
  it('waits while the digits are unknown', () => {
    expect(previewValue({ digits: null, head: null, tail: null })).toEqual({ kind: 'pending' });
  });

  it('shows small values whole', () => {
    expect(previewValue(summary('0'))).toEqual({ kind: 'whole', digits: '0' });
    expect(previewValue(summary('2880067194370816120'))).toEqual({ kind: 'whole', digits: '2880067194370816120' });
  });

  it('rebuilds values of 21 to 40 digits from their overlapping ends', () => {
    for (const value of ['354224848179261915075', '1066340417491710595814572169', '1'.repeat(20) + '2'.repeat(20)]) {
      expect(previewValue(summary(value))).toEqual({ kind: 'whole', digits: value });
    }
  });

  it('shows both ends of a big value and counts the digits between', () => {
    const value = '1' + '0'.repeat(20_897) + '5';
    expect(previewValue(summary(value))).toEqual({
      kind: 'ends',
      head: value.slice(0, 20),
      tail: value.slice(-20),
      hidden: 20_899 - 40,
    });
  });
});
