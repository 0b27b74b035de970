/** How a value is shown without sending all of it: its digit count and up to 20 leading and trailing digits. */
export interface FibSummary {
  digits: number;
  head: string;
  tail: string;
}

export const SUMMARY_DIGITS = 20;

export function summarizeDecimal(decimal: string): FibSummary {
  return {
    digits: decimal.length,
    head: decimal.slice(0, SUMMARY_DIGITS),
    tail: decimal.slice(-SUMMARY_DIGITS),
  };
}
