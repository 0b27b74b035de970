/**
 * The admin API (docs/operations.md). The browser sends the admin's Basic credentials itself: it asked
 * for them when it loaded /admin, and answers the same realm's challenge on these calls.
 */

export type QueueState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';

export interface Calculation {
  index: number;
  status: string;
  digits: number | null;
  durationMs: number | null;
  completedAt: string | null;
  error: string | null;
}

export interface Worker {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  /** `gmp` (the native addon) or `bigint`. */
  engine: 'gmp' | 'bigint';
  lastHeartbeat: string;
}

export interface Stats {
  queue: Record<QueueState, number>;
  jobsPerMinute: number;
  failureRate: number;
  windowMinutes: number;
  workers: Worker[];
  slowest: Calculation[];
  failed: Calculation[];
}

export interface Backup {
  name: string;
  bytes: number;
  createdAt: string;
}

async function call<T>(path: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const response = await fetch(path, { method, credentials: 'same-origin' });
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.message ?? `${method} ${path}: ${response.status}`);
  return body as T;
}

export const adminApi = {
  stats: () => call<Stats>('/api/admin/stats'),
  retry: (index: number) => call<Calculation>(`/api/admin/calculations/${index}/retry`, 'POST'),
  backups: () => call<{ location: string; items: Backup[] }>('/api/admin/backups'),
  backupNow: () => call<Backup>('/api/admin/backups', 'POST'),
};
