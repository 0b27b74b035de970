import type { Calculation } from '../api/types';

/** The digits the API sends at each end of a value (docs/api.md: "up to 20"). */
const edge = 20;

export type ValuePreview =
  | { kind: 'pending' }
  | { kind: 'whole'; digits: string }
  | { kind: 'ends'; head: string; tail: string; hidden: number };

/**
 * What of F(n) can be shown from the summary alone. Head and tail overlap for values of up to 40
 * digits, so those are rebuilt whole; longer ones show both ends and how many digits lie between.
 * The page never holds a full big value: that is what download is for.
 */
export function previewValue(calculation: Pick<Calculation, 'digits' | 'head' | 'tail'>): ValuePreview {
  const { digits, head, tail } = calculation;
  if (digits === null || head === null || tail === null) return { kind: 'pending' };
  if (digits <= edge) return { kind: 'whole', digits: head };
  if (digits <= 2 * edge) return { kind: 'whole', digits: head + tail.slice(2 * edge - digits) };
  return { kind: 'ends', head, tail, hidden: digits - head.length - tail.length };
}
