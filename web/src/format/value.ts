import type { Calculation } from '../api/types';
import { formatCount } from './numbers';

/** The digits the API sends at each end of a value (docs/api.md: "up to 20"). */
const edge = 20;

/** Room the gap takes beyond its text (its padding and margins), in digits. */
const gapPadding = 2;

export type ValuePreview =
  | { kind: 'pending' }
  | { kind: 'whole'; digits: string }
  | { kind: 'ends'; head: string; tail: string; hidden: number };

/** What stands between the ends of a value in place of the `hidden` digits: "…20,859 more…". */
export function gapText(hidden: number): string {
  return `…${formatCount(hidden)} more…`;
}

/**
 * Whether a value is short enough that its hidden digits take no more room than the gap standing for
 * them ("…7 more…" for 7 digits): such a value is better read in full and shown whole. Values of up to
 * 40 digits need no reading (the summary holds them whole); those of 41 to 51 digits are the short ones.
 */
export function isShortValue(digits: number): boolean {
  const hidden = digits - 2 * edge;
  return hidden > 0 && hidden <= gapText(hidden).length + gapPadding;
}

/**
 * What of F(n) can be shown from the summary, and `value` when the page has read it (a short value:
 * `isShortValue`). Head and tail overlap for values of up to 40 digits, so those are rebuilt whole; a
 * short value read in full is shown whole too; longer ones show both ends and how many digits lie
 * between. The page never holds a full big value: that is what download is for.
 */
export function previewValue(calculation: Pick<Calculation, 'digits' | 'head' | 'tail'>, value: string | null = null): ValuePreview {
  const { digits, head, tail } = calculation;
  if (digits === null || head === null || tail === null) return { kind: 'pending' };
  if (digits <= edge) return { kind: 'whole', digits: head };
  if (digits <= 2 * edge) return { kind: 'whole', digits: head + tail.slice(2 * edge - digits) };
  // Only the value these ends belong to: anything else (a read gone wrong) is not shown.
  if (isShortValue(digits) && value !== null && value.length === digits && value.startsWith(head) && value.endsWith(tail)) {
    return { kind: 'whole', digits: value };
  }
  return { kind: 'ends', head, tail, hidden: digits - head.length - tail.length };
}
