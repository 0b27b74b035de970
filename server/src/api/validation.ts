import { AppError } from '../lib/errors.js';
import type { PageRequest } from '../repositories/page.js';

/** What a body that is no JSON object, or no JSON at all, is told. */
export const INVALID_BODY_MESSAGE = 'the body must be a JSON object such as {"index": 10}';

/** Reads `{"index": n}`: a JSON integer from 0 to `maxIndex`, with a distinct code for each way it can be wrong. */
export function parseIndexBody(body: unknown, maxIndex: number): number {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('INVALID_BODY', INVALID_BODY_MESSAGE);
  if (!Object.hasOwn(body, 'index')) throw new AppError('INDEX_REQUIRED', 'index is required');
  return checkIndex((body as { index: unknown }).index, maxIndex);
}

/** Reads an index from a path segment: decimal digits only. */
export function parseIndexParam(raw: string, maxIndex: number): number {
  if (!/^\d{1,16}$/.test(raw)) throw new AppError('INVALID_QUERY', 'index must be a non-negative integer');
  return checkIndex(Number(raw), maxIndex);
}

function checkIndex(index: unknown, maxIndex: number): number {
  if (typeof index !== 'number' || !Number.isInteger(index)) {
    throw new AppError('INDEX_NOT_INTEGER', 'index must be a whole number');
  }
  if (index < 0) throw new AppError('INDEX_NEGATIVE', 'index must be 0 or more');
  if (index > maxIndex) throw new AppError('INDEX_TOO_LARGE', `index must be at most ${maxIndex}`);
  return index;
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
