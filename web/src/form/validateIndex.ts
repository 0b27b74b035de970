/** A problem with what was typed, named by the same codes the API answers with (docs/api.md). */
export interface IndexProblem {
  code: 'INDEX_REQUIRED' | 'INDEX_NOT_INTEGER' | 'INDEX_NEGATIVE' | 'INDEX_TOO_LARGE';
  message: string;
}

export type IndexCheck = { ok: true; index: number } | { ok: false; problem: IndexProblem };

/**
 * Checks the input before it is sent, so most mistakes are explained without a round trip, in the
 * server's own words: the message reads the same before and after the round trip. The server checks
 * again, and its answer is what is shown when the two disagree (a limit changed since the page loaded).
 */
export function validateIndex(raw: string, maxIndex: number | null): IndexCheck {
  const text = raw.trim();
  if (text === '') return fail('INDEX_REQUIRED', 'index is required');
  if (/^-\d+$/.test(text) && /[1-9]/.test(text)) {
    return fail('INDEX_NEGATIVE', 'index must be 0 or more');
  }
  if (!/^\+?\d+$/.test(text)) return fail('INDEX_NOT_INTEGER', 'index must be a whole number');
  const index = Number(text);
  if (maxIndex !== null && index > maxIndex) {
    return fail('INDEX_TOO_LARGE', `index must be at most ${maxIndex}`);
  }
  return { ok: true, index };
}

function fail(code: IndexProblem['code'], message: string): IndexCheck {
  return { ok: false, problem: { code, message } };
}
