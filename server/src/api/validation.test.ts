import { describe, expect, it } from 'vitest';
import { AppError } from '../lib/errors.js';
import { parseIndexBody, parseIndexParam, parsePage } from './validation.js';

const codeOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return (error as AppError).code;
  }
  return 'accepted';
};

describe('parseIndexBody', () => {
  it.each([
    [{ index: 0 }, 0],
    [{ index: 42 }, 42],
    [{ index: 1000 }, 1000],
  ])('accepts %j', (body, index) => expect(parseIndexBody(body, 1000, JSON.stringify(body))).toBe(index));

  it.each([
    [null, 'INVALID_BODY'],
    ['10', 'INVALID_BODY'],
    [[10], 'INVALID_BODY'],
    [{}, 'INDEX_REQUIRED'],
    [{ other: 1 }, 'INDEX_REQUIRED'],
    [{ index: '10' }, 'INDEX_NOT_INTEGER'],
    [{ index: 1.5 }, 'INDEX_NOT_INTEGER'],
    [{ index: Number.NaN }, 'INDEX_NOT_INTEGER'],
    // `1e400` and `-1e400`, whole as written.
    [{ index: Number.POSITIVE_INFINITY }, 'INDEX_TOO_LARGE'],
    [{ index: Number.NEGATIVE_INFINITY }, 'INDEX_NEGATIVE'],
    [{ index: null }, 'INDEX_NOT_INTEGER'],
    [{ index: [1] }, 'INDEX_NOT_INTEGER'],
    [{ index: -1 }, 'INDEX_NEGATIVE'],
    [{ index: 1001 }, 'INDEX_TOO_LARGE'],
    [{ index: 2 ** 60 }, 'INDEX_TOO_LARGE'],
  ])('refuses %j with %s', (body, code) => expect(codeOf(() => parseIndexBody(body, 1000, ''))).toBe(code));

  // What JSON.parse makes of the text, and what the text says.
  it.each([
    ['{"index": 1e-400}', 'INDEX_NOT_INTEGER'],
    ['{"index": -1e-400}', 'INDEX_NOT_INTEGER'],
    ['{"index": 2.0000000000000001}', 'INDEX_NOT_INTEGER'],
    ['{"index": 15e-1}', 'INDEX_NOT_INTEGER'],
    ['{"a": {"index": 1.5}, "index": 1e-400}', 'INDEX_NOT_INTEGER'],
    ['{"index": 1.5e1}', 'accepted'],
    ['{"index": 150e-1}', 'accepted'],
    ['{"index": 1e3}', 'accepted'],
    ['{"index": 10.000}', 'accepted'],
    ['{"index": 0.0e-5}', 'accepted'],
    ['{"index": 7, "note": "1.5 \\" 2e-9"}', 'accepted'],
    ['{"index": 1e-400, "index": 7}', 'accepted'],
    ['{"index": 7, "other": 1e-400}', 'accepted'],
  ])('reads %s from its text: %s', (text, code) => expect(codeOf(() => parseIndexBody(JSON.parse(text), 1000, text))).toBe(code));

  it('does not take an index from the prototype', () => {
    expect(codeOf(() => parseIndexBody(Object.create({ index: 5 }), 1000, ''))).toBe('INDEX_REQUIRED');
  });
});

describe('parseIndexParam', () => {
  it.each(['0', '7', '1000'])('accepts %s', (raw) => expect(parseIndexParam(raw, 1000)).toBe(Number(raw)));
  it.each([
    ['-1', 'INVALID_QUERY'],
    ['1e3', 'INVALID_QUERY'],
    ['abc', 'INVALID_QUERY'],
    ['', 'INVALID_QUERY'],
    ['1001', 'INDEX_TOO_LARGE'],
    ['99999999999999999', 'INDEX_TOO_LARGE'],
    ['9'.repeat(100), 'INDEX_TOO_LARGE'],
  ])('refuses %s with %s', (raw, code) => expect(codeOf(() => parseIndexParam(raw, 1000))).toBe(code));
});

describe('parsePage', () => {
  it('defaults to the first page of 20', () => expect(parsePage({})).toEqual({ limit: 20 }));
  it('reads a limit and a cursor', () => expect(parsePage({ limit: '5', cursor: '17' })).toEqual({ limit: 5, before: 17 }));
  it.each([{ limit: '0' }, { limit: '101' }, { limit: 'x' }, { limit: ['1', '2'] }, { cursor: 'abc' }, { cursor: '-3' }])(
    'refuses %j',
    (query) => expect(codeOf(() => parsePage(query))).toBe('INVALID_QUERY'),
  );
});
