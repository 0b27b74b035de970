/**
 * How a value is shown without sending all of it: its digit count and up to 20 leading and trailing
 * digits. `summarize` answers for any index up to 2^53 − 1 in microseconds, without computing F(n).
 */
import { assertIndex, fibonacci } from './fibonacci.js';
import { EXACT_BELOW, leading } from './leading.js';
import { trailing } from './trailing.js';

export interface FibSummary {
  digits: number;
  head: string;
  tail: string;
}

export const SUMMARY_DIGITS = 20;

export function summarize(index: number): FibSummary {
  assertIndex(index);
  if (index < EXACT_BELOW) return summarizeDecimal(fibonacci(index).toString());
  const { digits, head } = leading(index, SUMMARY_DIGITS);
  // Zero-padded: the tail is the last 20 characters of the decimal, which may begin with zeros.
  return { digits, head, tail: trailing(index, SUMMARY_DIGITS).toString().padStart(SUMMARY_DIGITS, '0') };
}

export function summarizeDecimal(decimal: string): FibSummary {
  return {
    digits: decimal.length,
    head: decimal.slice(0, SUMMARY_DIGITS),
    tail: decimal.slice(-SUMMARY_DIGITS),
  };
}
