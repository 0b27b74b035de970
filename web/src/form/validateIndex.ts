/** A problem with what was typed, named by the same codes the API answers with (docs/api.md). */
export interface IndexProblem {
  code: 'INDEX_REQUIRED' | 'INDEX_NOT_INTEGER' | 'INDEX_NEGATIVE' | 'INDEX_TOO_LARGE';
  message: string;
}

export type IndexCheck = { ok: true; index: number } | { ok: false; problem: IndexProblem };

/**
 * Checks the input before it is sent, so most mistakes are explained without a round trip. The server
 * checks again and its answer, when it differs (a limit changed since the page loaded), is shown instead.
 */
export function validateIndex(raw: string, maxIndex: number | null): IndexCheck {
  const text = raw.trim();
  if (text === '') return fail('INDEX_REQUIRED', 'Enter an index, a whole number such as 42.');
  if (/^-\d+$/.test(text) && /[1-9]/.test(text)) {
    return fail('INDEX_NEGATIVE', 'The index cannot be negative: F(n) is defined here from F(0) = 0.');
  }
  if (!/^\+?\d+$/.test(text)) return fail('INDEX_NOT_INTEGER', 'The index must be a whole number, such as 42.');
  const index = Number(text);
  if (maxIndex !== null && index > maxIndex) {
    return fail('INDEX_TOO_LARGE', `The index must be at most ${maxIndex.toLocaleString('en-US')}.`);
  }
  return { ok: true, index };
}

function fail(code: IndexProblem['code'], message: string): IndexCheck {
  return { ok: false, problem: { code, message } };
}
