// The shapes of the admin API (docs/operations.md), as the admin page reads them. They import nothing,
// so that e2e/contract/api-shapes.ts can hold them to the server's.

export type QueueState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';

export interface Calculation {
  index: number;
  status: string;
  digits: number | null;
  durationMs: number | null;
  completedAt: string | null;
  error: string | null;
}

export type JobName = 'compute-fibonacci' | 'compute-fibonacci-batch' | 'backup' | 'prune' | 'reconcile';

/** A job a worker runs now. */
export interface RunningJob {
  name: JobName;
  id: string;
  /** When its current try started. */
  startedAt: string;
  /** A calculation's index. */
  index?: number;
  /** How many calculations a batch holds. */
  calculations?: number;
}

export interface Worker {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  /** `gmp` (the native addon) or `bigint`. */
  engine: 'gmp' | 'bigint';
  lastHeartbeat: string;
  /** The jobs it has run longest, longest first; 20 at most, of `runningCount`. */
  running: RunningJob[];
  runningCount: number;
}

/** A periodic job: its cron expression (UTC) or `off`, its next run, and how its latest run ended. */
export interface Schedule {
  name: 'backup' | 'prune' | 'reconcile';
  pattern: string;
  next: string | null;
  /** A run that failed with an attempt left is retried, and not yet an outcome. */
  last: { at: string; outcome: 'completed' | 'failed'; durationMs: number; error?: string } | null;
}

export interface Stats {
  queue: Record<QueueState, number>;
  jobsPerMinute: number;
  failureRate: number;
  windowMinutes: number;
  workers: Worker[];
  /** Queues paused in the queue dashboard: nothing in them runs until they are resumed there. */
  pausedQueues: string[];
  schedules: Schedule[];
  slowest: Calculation[];
  failed: Calculation[];
  /** How many have failed in all, `failed` the latest of them; the count stops at a limit. */
  failedTotal: number;
  /** False when more have failed than `failedTotal`: the count reached its limit. */
  failedTotalExact: boolean;
  /** Where the queue dashboard is, or null: the in-process queue (the embedded app) has none. */
  queueDashboard: string | null;
}

export interface Backup {
  name: string;
  bytes: number;
  createdAt: string;
}
