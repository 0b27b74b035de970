/**
 * The only module that reads process.env. Every setting is declared once here, validated once at start,
 * and a bad value stops the process with the whole list of problems.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const MAX_SAFE_INDEX = Number.MAX_SAFE_INTEGER;

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const url = (protocols: string[]) =>
  z.url().refine((value) => protocols.includes(new URL(value).protocol), {
    message: `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  });

/** Keys are the environment variable names; the example env files under deploy/ list the same keys. */
export const configSchema = z.object({
  /** development | test | production: production turns on JSON-only logs and stricter defaults. */
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Which parts run in this process: api, worker, or all (api + worker + web client, the embedded default). */
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: integer(0, 65_535).default(3050),
  /** Postgres connection string; without it the embedded PGlite database in DATA_DIR is used. */
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  /** Max connections in each process's Postgres pool. */
  DATABASE_POOL_SIZE: integer(1, 200).default(10),
  /** Redis connection string; without it the queue, cache and event bus run in process. */
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  /** Where the embedded database lives. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Prefix of every Redis key, so several deployments can share one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, _ and -')
    .default('fibstack'),
  /** The largest index a client may submit. */
  MAX_INDEX: integer(0, MAX_SAFE_INDEX).default(1_000_000),
  /** Jobs a worker process runs at once. */
  WORKER_CONCURRENCY: integer(1, 256).default(8),
  /** Threads computing F(n) in a worker process. */
  FIB_THREADS: integer(1, 64).default(Math.max(1, availableParallelism() - 1)),
  /** A computation running longer than this is abandoned and retried. */
  JOB_TIMEOUT_MS: integer(1_000, 3_600_000).default(300_000),
  /**
   * How long a worker's claim on a job lasts without renewal (renewed every half of it while the worker
   * lives). A worker that dies mid-job has its job taken over within about twice this.
   */
  JOB_LOCK_MS: integer(1_000, 600_000).default(30_000),
  /** Attempts per calculation before it is marked failed. */
  JOB_ATTEMPTS: integer(1, 20).default(3),
  /** Run pending migrations at start (safe with several replicas: they take a lock). */
  MIGRATE_ON_START: boolean.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The built web client, served by the `all` role (nginx serves it in the distributed topology). */
  WEB_DIR: z.string().min(1).default(fileURLToPath(new URL('../../web/dist', import.meta.url))),
  /** Requests one client (by IP) may make to the API per RATE_LIMIT_WINDOW_MS; 0 turns the limit off. */
  RATE_LIMIT_MAX: integer(0, 1_000_000).default(600),
  RATE_LIMIT_WINDOW_MS: integer(1_000, 3_600_000).default(60_000),
  /** Indexes from this one up count as expensive work… */
  EXPENSIVE_INDEX: integer(0, MAX_SAFE_INDEX).default(100_000),
  /** …of which one client may have this many queued or running at once (429 past it). */
  MAX_PENDING_PER_CLIENT: integer(1, 100_000).default(5),
  /** Event streams one client (by IP) may hold open on one api process. */
  EVENT_STREAMS_PER_CLIENT: integer(1, 10_000).default(10),
  /** Origins allowed to call the API from a browser (comma-separated); none by default. */
  CORS_ORIGINS: z
    .string()
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url()))
    .default([]),
  /** Trust X-Forwarded-* headers from this many proxies in front (1 behind nginx). */
  TRUST_PROXY: integer(0, 10).default(0),
  /**
   * After SIGTERM, how long the API keeps answering (each response closing its connection, readiness
   * failing) before it stops listening. Longer than the proxy's upstream keepalive timeout (3 s in
   * deploy/nginx), so no request is sent on a connection the API is closing.
   */
  SHUTDOWN_DRAIN_MS: integer(0, 120_000).default(5_000),
  /** How long a SIGTERM may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: integer(1_000, 600_000).default(25_000),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an environment; unset and empty variables take their defaults. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = configSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = issue.path.join('.');
        const value = key.endsWith('_URL') ? '' : ` (got ${JSON.stringify(present[key])})`;
        return `${key}: ${issue.message}${value}`;
      }),
    );
  }
  return { ...result.data, DATA_DIR: resolve(result.data.DATA_DIR), WEB_DIR: resolve(result.data.WEB_DIR) };
}

/** The configuration of this process, read once. */
export function loadConfig(): Config {
  return parseConfig(process.env);
}
