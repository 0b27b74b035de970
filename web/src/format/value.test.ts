import { describe, expect, it } from 'vitest';
import { gapText, isShortValue, previewValue } from './value';

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

  it('shows a value of 41 to 51 digits whole once read, where the gap would take as much room as the digits it hides', () => {
    // F(215), 45 digits: five hidden, where "…5 more…" alone is eight characters wide.
    const value = '382699285659014174244530850035136059033084785';
    expect(previewValue(summary(value), value)).toEqual({ kind: 'whole', digits: value });
    for (const digits of [41, 45, 51]) {
      const long = '7'.repeat(digits);
      expect(isShortValue(digits)).toBe(true);
      expect(previewValue(summary(long), long)).toEqual({ kind: 'whole', digits: long });
    }
  });

  it('shows the ends of a short value until it is read, and never a value that does not match its summary', () => {
    const value = '382699285659014174244530850035136059033084785';
    const ends = { kind: 'ends', head: value.slice(0, 20), tail: value.slice(-20), hidden: 5 };
    expect(previewValue(summary(value))).toEqual(ends);
    expect(previewValue(summary(value), value.slice(0, -1))).toEqual(ends);
    expect(previewValue(summary(value), '1' + value.slice(1))).toEqual(ends);
    expect(previewValue(summary(value), value.slice(0, -1) + '0')).toEqual(ends);
  });

  it('abbreviates from 52 digits on, where the gap is narrower than the digits it hides', () => {
    expect(isShortValue(40)).toBe(false);
    expect(isShortValue(52)).toBe(false);
    expect(gapText(12)).toBe('…12 more…');
    const value = '3'.repeat(52);
    // Even read in full, a value this long is shown by its ends.
    expect(previewValue(summary(value), value)).toEqual({ kind: 'ends', head: value.slice(0, 20), tail: value.slice(-20), hidden: 12 });
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
