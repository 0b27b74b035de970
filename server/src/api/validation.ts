import { AppError } from '../lib/errors.js';
import type { PageRequest } from '../repositories/page.js';

/** What a body that is no JSON object, or no JSON at all, is told. */
export const INVALID_BODY_MESSAGE = 'the body must be a JSON object such as {"index": 10}';

/**
 * Reads `{"index": n}`: a JSON integer from 0 to `maxIndex`, with a distinct code for each way it can be
 * wrong. `text`, the body as sent, shows what JSON.parse rounds away: `1e-400` parses as 0 and
 * `2.0000000000000001` as 2, but neither is a whole number.
 */
export function parseIndexBody(body: unknown, maxIndex: number, text: string): number {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('INVALID_BODY', INVALID_BODY_MESSAGE);
  if (!Object.hasOwn(body, 'index')) throw new AppError('INDEX_REQUIRED', 'index is required');
  const index = checkIndex((body as { index: unknown }).index, maxIndex);
  // Only a number written with a fraction or an exponent can have been rounded.
  if (/\d[.eE]/.test(text) && !isWholeNumber(numberTexts(text).index)) throw notInteger();
  return index;
}

/** The body again, each number as the text it was sent as (the body parsed once already, so it is JSON). */
function numberTexts(json: string): Record<string, unknown> {
  return JSON.parse(json.replace(/"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g, (token, number?: string) => (number ? `"${number}"` : token)));
}

/** Whether a JSON number's text is a whole number: its significant digits end at or left of the decimal point. */
function isWholeNumber(text: unknown): boolean {
  const parts = typeof text === 'string' && /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!parts) return false;
  const [, whole = '', fraction = '', exponent = '0'] = parts;
  const digits = whole + fraction;
  const significant = digits.replace(/0+$/, '');
  // The value is significant × 10^scale.
  const scale = Number(exponent) - fraction.length + (digits.length - significant.length);
  return /^0*$/.test(significant) || scale >= 0;
}

/** Reads an index from a path segment: decimal digits only (the router caps their length). */
export function parseIndexParam(raw: string, maxIndex: number): number {
  if (!/^\d+$/.test(raw)) throw new AppError('INVALID_QUERY', 'index must be a non-negative integer');
  return checkIndex(Number(raw), maxIndex);
}

/** A whole number in range. `1e400` is whole as written, and too large: JSON.parse reads it as Infinity. */
function checkIndex(index: unknown, maxIndex: number): number {
  if (typeof index !== 'number' || Number.isNaN(index) || (Number.isFinite(index) && !Number.isInteger(index))) throw notInteger();
  if (index < 0) throw new AppError('INDEX_NEGATIVE', 'index must be 0 or more');
  if (index > maxIndex) throw new AppError('INDEX_TOO_LARGE', `index must be at most ${maxIndex}`);
  return index;
}

function notInteger(): AppError {
  return new AppError('INDEX_NOT_INTEGER', 'index must be a whole number');
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Reads `?limit=&cursor=`. A cursor is opaque to clients: the key of the last row they saw. */
export function parsePage(query: unknown): PageRequest {
  const { limit, cursor } = (query ?? {}) as Record<string, unknown>;
  const page: PageRequest = { limit: DEFAULT_PAGE_SIZE };
  if (limit !== undefined) {
    if (typeof limit !== 'string' || !/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE_SIZE) {
      throw new AppError('INVALID_QUERY', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    }
    page.limit = Number(limit);
  }
  if (cursor !== undefined && cursor !== '') {
    if (typeof cursor !== 'string' || !/^\d{1,16}$/.test(cursor)) throw new AppError('INVALID_QUERY', 'cursor is not valid');
    page.before = Number(cursor);
  }
  return page;
}
