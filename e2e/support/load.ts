/** A bounded load of concurrent clients for fault tests, recording every outcome. */
export interface Outcome {
  status: number;
  at: number;
  ms: number;
  index?: number;
  retryAfter?: string | null;
}

export interface LoadOptions {
  clients: number;
  /** The longest the load runs… */
  durationMs: number;
  /** …unless this is aborted first. */
  stop?: AbortSignal;
  /** The request each client sends next; `n` counts requests across all clients. */
  request: (n: number) => { url: string; init?: RequestInit; index?: number };
  /** Where each outcome is recorded as it comes: a test can watch the load while it runs. */
  outcomes?: Outcome[];
}

/** Runs the load and resolves with every outcome once `durationMs` has passed. Status 0: no answer. */
export async function runLoad({ clients, durationMs, stop, request, outcomes = [] }: LoadOptions): Promise<Outcome[]> {
  const end = Date.now() + durationMs;
  let n = 0;
  const client = async () => {
    while (Date.now() < end && !stop?.aborted) {
      const { url, init, index } = request(n++);
      const started = Date.now();
      try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        outcomes.push({ status: response.status, at: started, ms: Date.now() - started, index, retryAfter: response.headers.get('retry-after') });
      } catch {
        outcomes.push({ status: 0, at: started, ms: Date.now() - started, index });
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return outcomes;
}

export function postJson(url: string, body: unknown): RequestInit & { url: string } {
  return { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of outcomes) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}
