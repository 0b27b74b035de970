/**
 * Builds the process for its role from the configuration: which database, queue, cache and event bus,
 * which services, and whether it serves HTTP API routes, runs jobs, or both. Also knows the order in
 * which to take it all down.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ApiServices, Checks } from './api/context.js';
import { EventStreamHub } from './api/event-stream.js';
import type { AdminContext } from './api/routes/admin.js';
import { buildHttpServer } from './api/server.js';
import type { BackupService } from './backup/backup.service.js';
import { createBackupService } from './backup/create.js';
import { BackupInProgressError } from './backup/dumpers.js';
import { ConfigError, type Config } from './config.js';
import { openDatabase, pingDatabase, type Db } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { resolveEngine, type EngineChoice, type FibEngine } from './fib/engine.js';
import { FibPool } from './fib/pool.js';
import { BullmqQueue } from './jobs/bullmq.queue.js';
import { JobOutbox } from './jobs/outbox.js';
import { assertHandlers, JobName, type JobHandler, type JobQueue, type ScheduledJobName } from './jobs/types.js';
import type { Logger } from './lib/logger.js';
import { ReadCache } from './lib/read-cache.js';
import { outcomeWithin } from './lib/timeout.js';
import { MemoryWindowCounts, RedisWindowCounts } from './lib/window-counts.js';
import { openMessaging, type Messaging } from './messaging.js';
import { reportingFinalFailures } from './observability/error-reporting.js';
import { instrumentComputer, instrumentHandlers, observeSubmissionBatches } from './observability/instrument.js';
import { Metrics } from './observability/metrics.js';
import { startMetricsServer } from './observability/metrics.routes.js';
import { AdminService } from './services/admin.service.js';
import { CalculationService } from './services/calculation.service.js';
import { ComputeService } from './services/compute.service.js';
import { DecimalService } from './services/decimal.service.js';
import { prune } from './services/prune.service.js';
import { reconcile, requeueRestored } from './services/reconcile.service.js';

const CHECK_TIMEOUT_MS = 2_000;
/** The window of MAX_NEW_DIGITS_PER_CLIENT_PER_DAY. */
const DAY_MS = 24 * 3_600_000;

export interface Runtime {
  http: FastifyInstance;
  /** Listening address, once started. */
  url: string;
  /** Where /metrics listens when METRICS_PORT is set. */
  metricsUrl?: string;
  /**
   * Stops gracefully. `drain: false` skips the wait for a proxy to move on (a stop asked for at the
   * terminal, where no proxy is waiting to be told).
   */
  stop(options?: { drain: boolean }): Promise<void>;
}

/**
 * FIB_ENGINE as this installation can honour it. An addon asked for but missing, or one that cannot
 * load, is a configuration problem: the process stops at start, as for any bad value.
 */
function engineFor(choice: EngineChoice): FibEngine['name'] {
  try {
    return resolveEngine(choice);
  } catch (error) {
    throw new ConfigError([`FIB_ENGINE: ${error instanceof Error ? error.message : String(error)}`]);
  }
}

export async function startRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const runsApi = config.ROLE !== 'worker';
  const runsWorker = config.ROLE !== 'api';
  const engine = engineFor(config.FIB_ENGINE);

  const db = await openDatabase(config, logger);
  if (config.MIGRATE_ON_START) await migrate(db, logger);
  const messaging = await openMessaging(config, logger);
  const readiness = () => checkDependencies(db, messaging.queue);
  const backups = createBackupService(config, logger, db, () => afterRestore(db, messaging, logger));
  let draining = false;

  // Both roles use threads: the worker to compute, the API to convert a value to decimal on first
  // download. They start on first use.
  const pool = createPool(config, engine, logger);
  // Set once its services are built, which report to the metrics; the metrics count its streams.
  let api: Api | undefined;
  const metrics = new Metrics(
    { role: config.ROLE },
    {
      queueCounts: () => messaging.queue.counts(),
      pausedQueues: () => messaging.queue.paused(),
      sseClients: runsApi ? () => api?.streams.size ?? 0 : undefined,
      dependencies: readiness,
      // Where the schedule makes backups: an alert can say when the newest is too old.
      newestBackup: runsWorker && config.BACKUP_CRON !== 'off' ? { location: backups.store.location, read: () => backups.newest() } : undefined,
    },
  );
  // Jobs of work the API recorded but Redis refused, sent when it is back.
  const outbox = new JobOutbox(messaging.queue);
  messaging.onReconnect(() => {
    outbox.flush().catch((error: unknown) => logger.warn({ err: error }, 'sending jobs kept while redis was away failed'));
  });
  if (runsApi) api = await buildApi({ config, db, messaging, outbox, pool, backups, metrics });

  const http = await buildHttpServer({
    config,
    logger,
    redis: messaging.redis,
    health: { readiness, draining: () => draining },
    metrics,
    api,
    admin: api?.admin,
    serveWeb: config.ROLE === 'all',
  });
  const url = await http.listen({ host: config.HOST, port: config.PORT });
  const metricsServer = config.METRICS_PORT === undefined ? undefined : await startMetricsServer(metrics, config.HOST, config.METRICS_PORT);

  if (runsWorker) await startWorking({ config, logger, db, messaging, pool, metrics, backups, engine });

  logStarted(config, { url, engine, runsApi }, logger);

  return {
    http,
    url,
    metricsUrl: metricsServer && `http://${config.HOST}:${(metricsServer.server.address() as AddressInfo).port}`,
    async stop({ drain } = { drain: true }) {
      // 1. Take no new work. Jobs: stop taking them (running ones finish, or are handed back past the
      //    timeout). HTTP: fail readiness and close each connection after its response for the drain
      //    period, so the proxy moves on without a request ever meeting a closing connection; then stop.
      draining = true;
      api?.streams.close();
      const drainHttp = async () => {
        if (runsApi && drain) await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DRAIN_MS));
        await http.close();
      };
      await Promise.all([drainHttp(), metricsServer?.close(), messaging.queue.stopWorking()]);
      // 2. Then close what the work used.
      await pool.close();
      await messaging.close();
      await db.destroy();
      logger.info('stopped');
    },
  };
}

function createPool(config: Config, engine: FibEngine['name'], logger: Logger): FibPool {
  return new FibPool({
    threads: config.FIB_THREADS,
    timeoutMs: config.JOB_TIMEOUT_MS,
    maxMemoryMb: config.FIB_MAX_MEMORY_MB,
    engine,
    parallelism: config.FIB_PARALLELISM,
    onError: (error) => logger.error({ err: error }, 'thread pool error'),
  });
}

function logStarted(config: Config, { url, engine, runsApi }: { url: string; engine: FibEngine['name']; runsApi: boolean }, logger: Logger): void {
  logger.info({ url, database: config.DATABASE_URL ? 'postgres' : 'pglite', queue: config.REDIS_URL ? 'redis' : 'memory', engine }, 'started');
  // The pages refuse everyone alike, and say only that credentials are needed: the log says why.
  if (runsApi && config.ADMIN_PASSWORD === undefined) {
    const pages = config.METRICS_PORT === undefined ? '/admin, /api/admin and /metrics' : '/admin and /api/admin';
    logger.info({ user: config.ADMIN_USER }, `the admin pages are closed: set ADMIN_PASSWORD to open ${pages}`);
  }
}

async function migrate(db: Db, logger: Logger): Promise<void> {
  const { applied, newer } = await migrateToLatest(db);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  if (newer.length > 0) logger.warn({ newer }, 'the database has migrations of a newer release; running on its schema');
}

/** What a restore leaves to do outside the database: the restored work is queued again. */
async function afterRestore(db: Db, messaging: Messaging, logger: Logger): Promise<void> {
  await messaging.cache.clear();
  // The finished jobs the queue keeps are of the record before the restore: gone, none of their ids
  // (a calculation's index and attempt) can pass a restored or remade calculation's job for a duplicate.
  await messaging.queue.prune(0);
  await requeueRestored(db, messaging.queue, logger);
}

/** The API role's services: its routes' and its admin pages'. */
interface Api extends ApiServices {
  admin: Omit<AdminContext, 'guard'>;
}

/**
 * The API role: the service behind the routes, the event streams (started here), the lists' cache,
 * dropped on every change the bus tells of, and the admin pages' services.
 */
async function buildApi({
  config,
  db,
  messaging,
  outbox,
  pool,
  backups,
  metrics,
}: {
  config: Config;
  db: Db;
  messaging: Messaging;
  outbox: JobOutbox;
  pool: FibPool;
  backups: BackupService;
  metrics: Metrics;
}): Promise<Api> {
  const recent = new ReadCache(config.LIST_CACHE_MS);
  const calculations = new CalculationService(db, {
    queue: outbox,
    events: messaging.events,
    cache: messaging.cache,
    decimals: new DecimalService(db, pool),
    expensive: {
      fromIndex: config.EXPENSIVE_INDEX,
      maxPending: config.MAX_PENDING_PER_CLIENT,
      dailyDigits: {
        max: config.MAX_NEW_DIGITS_PER_CLIENT_PER_DAY,
        counts: messaging.redis ? new RedisWindowCounts(messaging.redis, `${config.QUEUE_PREFIX}:new-digits`, DAY_MS) : new MemoryWindowCounts(DAY_MS),
      },
    },
    maxExactIndex: config.MAX_EXACT_INDEX,
    observeBatch: observeSubmissionBatches(metrics),
    onSubmitted: () => recent.invalidate(),
  });
  const streams = new EventStreamHub(messaging.events, config.EVENT_STREAMS_PER_CLIENT);
  await streams.start();
  await messaging.events.onChange(() => recent.invalidate());
  return {
    calculations,
    streams,
    recent,
    admin: {
      admin: new AdminService(db, messaging.queue, messaging.events, outbox),
      backups,
      maxIndex: config.MAX_INDEX,
      webDir: config.WEB_DIR,
      dashboardQueues: messaging.queue instanceof BullmqQueue ? messaging.queue.dashboardQueues : undefined,
    },
  };
}

/**
 * The worker role: computes calculations and runs the periodic jobs, and sends the record's unfinished
 * work to the queue again whenever Redis may have lost it.
 */
async function startWorking({
  config,
  logger,
  db,
  messaging,
  pool,
  metrics,
  backups,
  engine,
}: {
  config: Config;
  logger: Logger;
  db: Db;
  messaging: Messaging;
  pool: FibPool;
  metrics: Metrics;
  backups: BackupService;
  engine: FibEngine['name'];
}): Promise<void> {
  const computer = instrumentComputer(pool, metrics);
  const { queue } = messaging;
  const compute = new ComputeService(db, computer, queue, messaging.events, messaging.cache, logger);
  // A periodic job that failed for good says so in the log (calculations log their own failures).
  const periodic = (name: ScheduledJobName, run: () => Promise<unknown>): JobHandler<ScheduledJobName> => ({
    handle: async () => void (await run()),
    onFailed: async (_payload, error) => logger.error({ err: error, job: name }, `${name} failed`),
  });
  const handlers = {
    // A tick while another backup is being made (a long dump, the admin's) is skipped, not piled up.
    [JobName.Backup]: periodic(JobName.Backup, () =>
      backups.create().catch((error: unknown) => {
        if (!(error instanceof BackupInProgressError)) throw error;
        logger.info('backup skipped: another one is being made');
      }),
    ),
    [JobName.ComputeFibonacci]: compute.single,
    [JobName.ComputeFibonacciBatch]: compute.batch,
    [JobName.Prune]: periodic(JobName.Prune, () => prune(db, queue, config, logger)),
    [JobName.Reconcile]: periodic(JobName.Reconcile, () => reconcile(db, queue, logger)),
  };
  assertHandlers(handlers);
  await queue.work(reportingFinalFailures(instrumentHandlers(handlers, metrics)), { concurrency: config.WORKER_CONCURRENCY, engine });
  const schedules = { [JobName.Backup]: config.BACKUP_CRON, [JobName.Prune]: config.PRUNE_CRON, [JobName.Reconcile]: config.RECONCILE_CRON };
  await queue.schedule(schedules);
  // Send the record's unfinished work to the queue again — now, in the background, and whenever Redis
  // comes back. It may have restarted empty: its schedules are declared again too.
  const resend = () => {
    reconcile(db, queue, logger).catch((error: unknown) => logger.warn({ err: error }, 'reconciliation failed'));
  };
  resend();
  messaging.onReconnect(() => {
    queue.schedule(schedules).catch((error: unknown) => logger.warn({ err: error }, 'scheduling failed'));
    resend();
  });
}

async function checkDependencies(db: Db, queue: JobQueue): Promise<Checks> {
  const [database, redis] = await Promise.all([within(pingDatabase(db)), within(queue.ping())]);
  return { database, queue: redis };
}

/** Up when the check answers within CHECK_TIMEOUT_MS. */
async function within(check: Promise<void>): Promise<'up' | 'down'> {
  return (await outcomeWithin(check, CHECK_TIMEOUT_MS)) === 'fulfilled' ? 'up' : 'down';
}
