/**
 * The only module that reads process.env. Every setting is declared once here, validated once at start,
 * and a bad value stops the process with the whole list of problems.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { INLINE_MAX_INDEX } from './fib/limits.js';

const MAX_SAFE_INDEX = Number.MAX_SAFE_INTEGER;
/** The end of a SIGTERM's time kept for closing connections, after running jobs have had the rest. */
export const SHUTDOWN_CLOSE_MS = 5_000;

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/**
 * A whole number from `min` to `max`, in digits: `1e3`, `0x10` or blanks are refused, not read as
 * numbers (blanks as 0 would turn a limit off). `why` tells the reason for the range, where it has one.
 */
const integer = (min: number, max: number, why = '') => {
  const message = `must be a whole number from ${min} to ${max}${why}`;
  return z
    .string()
    .regex(/^\d+$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message));
};

/**
 * A connection string of one of `protocols`. The refinement runs even after `z.url()` refused the value,
 * so it leaves that case to it (and must not throw).
 */
const url = (protocols: string[]) =>
  z
    .url({ error: 'must be a URL (percent-encode any @ : / # ? in the user name or password)' })
    .refine((value) => !URL.canParse(value) || protocols.includes(new URL(value).protocol), {
      message: `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    });

/** A Sentry DSN, as its SDK reads one (anything else it would take in silence, and report nothing). */
const dsn = z.url().refine(
  (value) => {
    if (!URL.canParse(value)) return true;
    const { protocol, username, pathname } = new URL(value);
    return ['http:', 'https:'].includes(protocol) && username !== '' && /\/\d+$/.test(pathname);
  },
  { message: 'must be a DSN such as https://<key>@<host>/<project id>' },
);

/** A cron expression (5 fields, or 6 with seconds), or `off` to turn the schedule off. */
const cron = z.string().refine(
  (value) => {
    if (value === 'off') return true;
    // The parser also takes 1 to 4 fields, filling in the rest: "0 3 * *" would be a quite different schedule.
    const fields = value.trim().split(/\s+/).length;
    if (fields < 5 || fields > 6) return false;
    try {
      CronExpressionParser.parse(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a cron expression such as "0 3 * * *", or off' },
);

/** Keys are the environment variable names; the example env files under deploy/ list the same keys. */
export const configSchema = z.object({
  /** development | test | production: the environment error reports are tagged with, unless SENTRY_ENVIRONMENT says. */
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Which parts run in this process: api, worker, or all (api + worker + web client, the embedded default). */
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  /**
   * Where HTTP listens: this machine alone by default, as `npm start` runs the embedded app; the images
   * and the env files under deploy/ listen on every interface (0.0.0.0).
   */
  HOST: z
    .string()
    .refine((value) => isIP(value) !== 0 || z.hostname().safeParse(value).success, 'must be an IP address or a host name')
    .default('127.0.0.1'),
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
  /** The largest index a client may submit. Above MAX_EXACT_INDEX a calculation is its summary alone. */
  MAX_INDEX: integer(0, MAX_SAFE_INDEX).default(MAX_SAFE_INDEX),
  /** The largest index whose exact value is computed and stored (F(10^7) has 2,089,877 digits). */
  MAX_EXACT_INDEX: integer(0, MAX_SAFE_INDEX).default(10_000_000),
  /** Large calculations and periodic jobs a worker process runs at once; batches of small ones run one at a time beside them. */
  WORKER_CONCURRENCY: integer(1, 256).default(8),
  /** Threads per process computing F(n) (worker) or converting it to decimal on first download (api). */
  FIB_THREADS: integer(1, 64).default(Math.max(1, availableParallelism() - 1)),
  /** The arithmetic: auto (GMP when the native addon is built, else BigInt), gmp (fail without it), or bigint. */
  FIB_ENGINE: z.enum(['auto', 'gmp', 'bigint']).default('auto'),
  /**
   * Threads one large BigInt computation or decimal conversion may use: 2 gives each of the FIB_THREADS
   * threads a helper thread for values of more than about 40,000 digits; 1 keeps every value on one
   * thread. The GMP engine uses one thread either way.
   */
  FIB_PARALLELISM: z.coerce
    .number()
    .pipe(z.union([z.literal(1), z.literal(2)], { error: 'must be 1 or 2' }))
    .default(availableParallelism() >= 2 ? 2 : 1),
  /** Heap limit of each of those threads in MiB: a computation that needs more fails instead of the process. */
  FIB_MAX_MEMORY_MB: integer(32, 65_536).default(1_024),
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
  /** The built web client: served whole by the `all` role, its admin page by the api (nginx serves the rest there). */
  WEB_DIR: z.string().min(1).default(fileURLToPath(new URL('../../web/dist', import.meta.url))),
  /** Requests one client (by IP) may make to the API per RATE_LIMIT_WINDOW_MS; 0 turns the limit off. */
  RATE_LIMIT_MAX: integer(0, 1_000_000).default(600),
  RATE_LIMIT_WINDOW_MS: integer(1_000, 3_600_000).default(60_000),
  /**
   * Indexes from this one up count as expensive work… (below it they are computed in batches, one
   * after another and unclaimed, on the worker's own thread: no larger than F(INLINE_MAX_INDEX), a
   * fraction of a millisecond each)
   */
  EXPENSIVE_INDEX: integer(0, INLINE_MAX_INDEX, ': smaller indexes are computed in batches, one after another').default(INLINE_MAX_INDEX),
  /** …of which one client may have this many queued or running at once (429 past it). */
  MAX_PENDING_PER_CLIENT: integer(1, 100_000).default(5),
  /**
   * Digits of new large values (from EXPENSIVE_INDEX up) one client may ask for per day, 0 for no
   * limit: each is stored for good (100,000,000: about 48 values of F(10^7), some 40 MB).
   */
  MAX_NEW_DIGITS_PER_CLIENT_PER_DAY: integer(0, 1e12).default(100_000_000),
  /** Event streams one client (by IP) may hold open on one api process. */
  EVENT_STREAMS_PER_CLIENT: integer(1, 10_000).default(10),
  /** How long an api process may answer the first page of a list from memory (0: never). Every change it
   * hears of through the event bus drops the copy at once; the limit bounds changes nothing announces. */
  LIST_CACHE_MS: integer(0, 60_000).default(1_000),
  /** Origins allowed to call the API from a browser (comma-separated); none by default. */
  CORS_ORIGINS: z
    .string()
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    // As a browser sends it in `Origin`: scheme, host and port, no path (not even a trailing slash).
    .pipe(z.array(z.string().refine((value) => URL.canParse(value) && new URL(value).origin === value, 'must be an origin such as https://app.example.com')))
    .default([]),
  /** Trust X-Forwarded-* headers from this many proxies in front (1 behind nginx). */
  TRUST_PROXY: integer(0, 10).default(0),
  /**
   * After SIGTERM, how long the API keeps answering (each response closing its connection, readiness
   * failing) before it stops listening. Longer than the proxy's upstream keepalive timeout (3 s in
   * deploy/nginx), so no request is sent on a connection the API is closing. SIGINT (Ctrl-C) skips it.
   */
  SHUTDOWN_DRAIN_MS: integer(0, 120_000).default(5_000),
  /**
   * How long a SIGTERM may take before the process exits anyway: running jobs have all of it but the
   * last SHUTDOWN_CLOSE_MS to finish, and the drain must end before that.
   */
  SHUTDOWN_TIMEOUT_MS: integer(1_000, 600_000).default(25_000),

  // --- operating it ---------------------------------------------------------------------------------
  /** Serve /metrics on this port of its own, unauthenticated, for an internal scraper; unset: /metrics on PORT behind the admin credentials. */
  METRICS_PORT: integer(0, 65_535).optional(),
  /** The admin's user name (/admin, /api/admin, /metrics on PORT). */
  ADMIN_USER: z.string().min(1).default('admin'),
  /** The admin's password; unset: every admin route answers 401. */
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  /** Unhandled errors of the api and worker go to this Sentry DSN; unset: reported nowhere but the logs. */
  SENTRY_DSN: dsn.optional(),
  /** The environment name errors are reported under; NODE_ENV when unset. */
  SENTRY_ENVIRONMENT: z.string().min(1).optional(),
  /** The release errors are reported under. */
  SENTRY_RELEASE: z.string().min(1).default(`fibstack@${packageVersion()}`),
  /** When the database is backed up (UTC); `off` for never. */
  BACKUP_CRON: cron.default('0 3 * * *'),
  /** When finished jobs and old records are pruned (UTC); `off` for never. */
  PRUNE_CRON: cron.default('17 * * * *'),
  /** When calculations recorded but missing from the queue are queued again (UTC); `off` for never. */
  RECONCILE_CRON: cron.default('*/10 * * * *'),
  /** Finished jobs older than this are removed from the queue by the pruning job. */
  PRUNE_JOBS_AFTER_HOURS: integer(1, 24 * 365).default(24),
  /** Submissions (the request history) older than this are deleted by the pruning job; calculations stay. */
  PRUNE_SUBMISSIONS_AFTER_DAYS: integer(1, 36_500).default(90),
  /** Where backups are written when no bucket is configured. */
  BACKUP_DIR: z.string().min(1).default('./backups'),
  /** Backups kept; older ones are deleted after each new one. */
  BACKUP_KEEP: integer(1, 1_000).default(7),
  /**
   * Backups made are signed with this key (HMAC-SHA256), and a restore takes only backups it signed;
   * unset: backups are neither signed nor checked.
   */
  BACKUP_SIGNING_KEY: z.string().min(32, 'must be at least 32 characters (`openssl rand -hex 32` makes one)').optional(),
  /** Write backups to this S3-compatible bucket instead of BACKUP_DIR. */
  BACKUP_S3_BUCKET: z.string().min(1).optional(),
  /** Key prefix of the backups in the bucket. */
  BACKUP_S3_PREFIX: z.string().default('backups/'),
  /** The S3 API endpoint (MinIO, R2, …); unset: AWS. */
  S3_ENDPOINT: url(['http:', 'https:']).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Address the bucket as a path (`endpoint/bucket/key`), as most self-hosted S3 servers need. */
  S3_FORCE_PATH_STYLE: boolean.default(true),
}).superRefine(({ ROLE, DATABASE_URL, REDIS_URL, PORT, METRICS_PORT, SHUTDOWN_DRAIN_MS, SHUTDOWN_TIMEOUT_MS, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY }, context) => {
  // An api or worker alone shares its work through Postgres and Redis: on the embedded database and
  // in-process queue it would take work no process ever does.
  if (ROLE !== 'all') {
    for (const [key, value] of [['DATABASE_URL', DATABASE_URL], ['REDIS_URL', REDIS_URL]] as const) {
      if (value === undefined) context.addIssue({ code: 'custom', path: [key], message: `is required when ROLE is ${ROLE}: only the all role runs embedded` });
    }
  }
  if (METRICS_PORT !== undefined && METRICS_PORT !== 0 && METRICS_PORT === PORT) {
    context.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: 'must differ from PORT' });
  }
  // One of the pair alone would leave the SDK to find credentials of its own, the one given unused.
  if ((S3_ACCESS_KEY_ID === undefined) !== (S3_SECRET_ACCESS_KEY === undefined)) {
    const missing = S3_ACCESS_KEY_ID === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY';
    context.addIssue({ code: 'custom', path: [missing], message: 'is required with the other S3 key: set both, or neither for the SDK’s own credentials' });
  }
  const least = SHUTDOWN_DRAIN_MS + SHUTDOWN_CLOSE_MS;
  if (SHUTDOWN_TIMEOUT_MS < least) {
    context.addIssue({
      code: 'custom',
      path: ['SHUTDOWN_TIMEOUT_MS'],
      message: `must be at least SHUTDOWN_DRAIN_MS + ${SHUTDOWN_CLOSE_MS} (${least}): the drain, then time to close`,
    });
  }
});

/**
 * Secrets may come from a file (`ADMIN_PASSWORD_FILE=/run/secrets/admin`), as container secrets do. The
 * image's entrypoint (deploy/docker/server-entrypoint.sh) reads the same list, for its other commands.
 */
export const FILE_VARIANTS = ['ADMIN_USER', 'ADMIN_PASSWORD', 'SENTRY_DSN', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'BACKUP_SIGNING_KEY', 'DATABASE_URL', 'REDIS_URL'] as const;

/** Keys whose values never appear in an error message. */
const SECRET = /_URL$|PASSWORD|SECRET|DSN|ACCESS_KEY|SIGNING_KEY/;

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates an environment. Values are read without the white space around them (a secret made from a
 * file often ends in a newline), as the _FILE variants are; unset and empty variables take their defaults.
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const set = Object.entries(env).flatMap(([key, value]) => (value?.trim() ? [[key, value.trim()] as const] : []));
  const { present, problems } = readFileVariants(Object.fromEntries(set));
  const result = configSchema.safeParse(present);
  if (!result.success) {
    problems.push(
      ...result.error.issues.map((issue) => {
        // The variable, whatever part of its value (`CORS_ORIGINS.1`) the issue is about.
        const key = String(issue.path[0]);
        const value = SECRET.test(key) ? '' : key in present ? ` (got ${JSON.stringify(present[key])})` : ' (unset: the default)';
        return `${issue.path.join('.')}: ${issue.message}${value}`;
      }),
    );
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const { DATA_DIR, WEB_DIR, BACKUP_DIR } = result.data;
  return { ...result.data, DATA_DIR: resolve(DATA_DIR), WEB_DIR: resolve(WEB_DIR), BACKUP_DIR: resolve(BACKUP_DIR) };
}

/** The secrets given as files read into their variables, and what stopped any of them being read. */
function readFileVariants(env: Record<string, string>): { present: Record<string, string>; problems: string[] } {
  const present = { ...env };
  const problems: string[] = [];
  for (const key of FILE_VARIANTS) {
    const file = env[`${key}_FILE`];
    if (file === undefined) continue;
    // Two sources, one of them silently ignored, would leave which one is used to whoever reads it.
    if (env[key] !== undefined) {
      problems.push(`${key}_FILE: set ${key} or ${key}_FILE, not both`);
      continue;
    }
    try {
      present[key] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      problems.push(`${key}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return { present, problems };
}

/**
 * Variables one or two letters away from a setting's name (or its `_FILE` variant): misspellings,
 * which the schema would otherwise pass over in silence, each with the setting it may mean.
 */
export function misspelledSettings(env: Record<string, string | undefined>): Array<{ variable: string; setting: string }> {
  const settings = Object.keys(configSchema.shape);
  // Short names are left out on both sides: PGHOST is libpq's, not a misspelt HOST.
  const candidates = settings.filter((setting) => setting.length >= MIN_SPELLED_LENGTH);
  return Object.keys(env).flatMap((variable) => {
    const name = variable.replace(/_FILE$/, '');
    if (settings.includes(name) || name.length < MIN_SPELLED_LENGTH) return [];
    const [nearest] = candidates
      .map((setting) => ({ setting, distance: editDistance(name, setting) }))
      .filter(({ distance }) => distance <= 2)
      .sort((a, b) => a.distance - b.distance);
    return nearest ? [{ variable, setting: variable === name ? nearest.setting : `${nearest.setting}_FILE` }] : [];
  });
}

/** Names shorter than this are not taken for misspellings (nor suggested). */
const MIN_SPELLED_LENGTH = 6;

/** Levenshtein distance: the fewest insertions, deletions and substitutions turning `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function packageVersion(): string {
  const manifest = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** The configuration of this process, read once. */
export function loadConfig(): Config {
  return parseConfig(process.env);
}
