import type { Calculation, ClientConfig, Page, Submission } from './types';

/** An answer of the API that was not a success, with the server's stable code and readable message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const base = '/api';

/** A call of the API at `path` (below /api): its JSON body, or the ApiError that says what went wrong. */
export async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await reach(base + path, init);
  if (!response.ok) throw await toApiError(response);
  return (await response.json()) as T;
}

/**
 * `fetch`, but a server out of reach is said in plain words (an ApiError coded NETWORK) rather than in
 * the browser's ("Failed to fetch"). Any answer, an error status too, is the caller's to read.
 */
export async function reach(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection and try again.');
  }
}

/** Whether `error` says only that the server could not be reached (`reach`), not what it answered. */
export function isUnreachable(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'NETWORK';
}

/** The API's error body, or plain words for an answer that has none (a proxy's HTML error page). */
export async function toApiError(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code === 'string' && typeof error.message === 'string') {
    return new ApiError(response.status, error.code, error.message);
  }
  // A proxy's own error page (nginx 502, say) has no JSON body: say what happened in plain words.
  return new ApiError(response.status, 'HTTP_' + response.status, `The server answered ${response.status}. Try again shortly.`);
}

function pageQuery(limit: number, cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set('cursor', cursor);
  return query.toString();
}

export const api = {
  config: () => request<ClientConfig>('/config'),

  submit: (index: number) =>
    request<Calculation>('/calculations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ index }),
    }),

  calculation: (index: number) => request<Calculation>(`/calculations/${index}`),

  calculations: (limit: number, cursor: string | null = null) =>
    request<Page<Calculation>>('/calculations?' + pageQuery(limit, cursor)),

  submissions: (limit: number, cursor: string | null = null) =>
    request<Page<Submission>>('/submissions?' + pageQuery(limit, cursor)),

  /** Where the full decimal value is streamed from: links point here so the browser saves it to disk. */
  valueUrl: (index: number) => `${base}/calculations/${index}/value`,

  /** The full decimal value, read whole; a server out of reach is said as `reach` says it. */
  value: async (index: number): Promise<string> => {
    const response = await reach(api.valueUrl(index));
    if (!response.ok) throw new Error(`The value could not be read (${response.status}).`);
    return response.text();
  },

  eventsUrl: `${base}/events`,
};
