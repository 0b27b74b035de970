import { formatCount } from '../format/numbers';

/** A problem with what was typed, named by the same codes the API answers with (docs/api.md). */
export interface IndexProblem {
  code: 'INDEX_REQUIRED' | 'INDEX_NOT_INTEGER' | 'INDEX_NEGATIVE' | 'INDEX_TOO_LARGE';
  message: string;
}

export type IndexCheck = { ok: true; index: number } | { ok: false; problem: IndexProblem };

/**
 * Checks the input before it is sent, so most mistakes are explained without a round trip, in the
 * server's own words: the message reads the same before and after the round trip, but for numbers, which
 * are grouped as the page writes them elsewhere ("at most 9,007,199,254,740,991"). The server checks
 * again, and its answer is what is shown when the two disagree (a limit changed since the page loaded).
 */
export function validateIndex(raw: string, maxIndex: number | null): IndexCheck {
  const text = raw.trim();
  if (text === '') return fail('INDEX_REQUIRED', 'index is required');
  // Digits in groups of three, as the page writes them ("100,000"), count as the number they write.
  const [, sign = '', body = ''] = /^([-+]?)(.*)$/s.exec(text)!;
  const digits = GROUPED.test(body) ? body.replace(/\D/g, '') : body;
  if (sign === '-' && /^\d*[1-9]\d*$/.test(digits)) return fail('INDEX_NEGATIVE', 'index must be 0 or more');
  if (sign === '-' || !/^\d+$/.test(digits)) return fail('INDEX_NOT_INTEGER', 'index must be a whole number');
  const index = Number(digits);
  // Past 2^53 a number is no longer exact: no server takes it, whether or not its limit is known yet.
  const limit = maxIndex ?? Number.MAX_SAFE_INTEGER;
  if (index > limit) return fail('INDEX_TOO_LARGE', `index must be at most ${formatCount(limit)}`);
  return { ok: true, index };
}

/** 1,234,567 or 1 234 567 (spaces, no-break or thin) or 1_234_567. */
const GROUPED = /^\d{1,3}(?:([,_ \u00a0\u202f])\d{3})(?:\1\d{3})*$/;

function fail(code: IndexProblem['code'], message: string): IndexCheck {
  return { ok: false, problem: { code, message } };
}
