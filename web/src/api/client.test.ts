import { describe, expect, it } from 'vitest';
import { ApiError, isUnreachable, reach, toApiError } from './client';

describe('toApiError', () => {
  it('keeps the API’s stable code and message', async () => {
    const response = new Response(JSON.stringify({ error: { code: 'NOT_READY', message: 'F(5) is queued, not done yet' } }), {
      status: 409,
      headers: { 'content-type': 'application/json' },
    });
    expect(await toApiError(response)).toEqual(new ApiError(409, 'NOT_READY', 'F(5) is queued, not done yet'));
  });

  it('says what happened in plain words when the answer is a proxy’s HTML page or malformed JSON', async () => {
    for (const body of ['<html><body>502 Bad Gateway</body></html>', '{"error":', '{"error":{"code":5}}']) {
      const error = await toApiError(new Response(body, { status: 502 }));
      expect(error).toMatchObject({ status: 502, code: 'HTTP_502', message: 'The server answered 502. Try again shortly.' });
    }
  });
});

describe('isUnreachable', () => {
  it('tells a server out of reach from what the server answered', async () => {
    const away = await reach('http://127.0.0.1:1/').catch((error: unknown) => error);
    expect(isUnreachable(away)).toBe(true);
    expect(isUnreachable(new ApiError(400, 'INDEX_TOO_LARGE', 'too large'))).toBe(false);
    expect(isUnreachable(new ApiError(502, 'HTTP_502', 'The server answered 502. Try again shortly.'))).toBe(false);
    expect(isUnreachable(new Error('The server cannot be reached.'))).toBe(false);
  });
});
