/**
 * The process's Prometheus metrics, in one registry. Counters and histograms are fed where the work
 * happens (HTTP hooks, job and compute wrappers); gauges of state (queue depth, SSE clients) are read
 * when Prometheus scrapes, so they cost nothing between scrapes.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobCounts } from '../jobs/types.js';
import { withTimeout } from '../lib/timeout.js';

export interface MetricSources {
  /** Queue depth by state; absent where no queue is reachable. */
  queueCounts?: () => Promise<JobCounts>;
  /** The queues paused from outside (the queue dashboard), by name. */
  pausedQueues?: () => Promise<string[]>;
  /** Server-sent event clients of this process. */
  sseClients?: () => number;
  /** Whether each dependency answers, as readiness asks it (`/api/ready`). */
  dependencies?: () => Promise<Record<string, 'up' | 'down'>>;
  /** Where backups go, and when the newest was made; only where backups are scheduled. */
  newestBackup?: { location: string; read: () => Promise<Date | undefined> };
}

/** A scrape waits this long at most for a source that reads a store over the network. */
const COLLECT_TIMEOUT_MS = 2_000;

/** F(n) sizes are bucketed by index so the label set stays small whatever clients submit. */
export function sizeBucket(index: number): string {
  if (index < 1_000) return '<1e3';
  if (index < 10_000) return '<1e4';
  if (index < 100_000) return '<1e5';
  if (index < 1_000_000) return '<1e6';
  return '>=1e6';
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Labelled `job_name`: a label `job` would meet the one Prometheus gives every scraped series. */
  readonly jobDuration: Histogram<'job_name' | 'outcome'>;
  readonly jobsFinished: Counter<'job_name' | 'outcome'>;
  readonly computeDuration: Histogram<'size'>;
  readonly submissionBatchSize: Histogram;
  readonly submissionBatchDuration: Histogram<'step'>;

  constructor(labels: { role: string }, private readonly sources: MetricSources = {}) {
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.jobDuration = new Histogram({
      name: 'job_duration_seconds',
      help: 'Job runs by job name and outcome',
      labelNames: ['job_name', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [this.registry],
    });
    this.jobsFinished = new Counter({
      name: 'jobs_finished_total',
      help: 'Job runs by job name and outcome (completed; failed, its last attempt; retried, it runs again)',
      labelNames: ['job_name', 'outcome'],
      registers: [this.registry],
    });
    this.computeDuration = new Histogram({
      name: 'fib_compute_duration_seconds',
      help: 'Time to compute F(n), not its decimal form, by size of n',
      labelNames: ['size'],
      buckets: [0.0001, 0.001, 0.01, 0.1, 0.5, 1, 5, 30, 120],
      registers: [this.registry],
    });
    this.submissionBatchSize = new Histogram({
      name: 'submission_batch_size',
      help: 'Cheap submissions recorded by one Postgres statement',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 500],
      registers: [this.registry],
    });
    this.submissionBatchDuration = new Histogram({
      name: 'submission_batch_duration_seconds',
      help: 'Each step of a batch of cheap submissions: statement (Postgres, commit included), queue (its jobs and events to Redis)',
      labelNames: ['step'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    });
    const { queueCounts, pausedQueues, sseClients, dependencies, newestBackup } = this.sources;
    if (queueCounts) {
      new Gauge({
        name: 'queue_jobs',
        help: 'Jobs in the queue by state',
        labelNames: ['state'],
        registers: [this.registry],
        async collect() {
          // A scrape while Redis is away shows no depth rather than failing the whole scrape.
          const counts = await queueCounts().catch(() => undefined);
          this.reset();
          if (counts) for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
        },
      });
    }
    if (pausedQueues) {
      new Gauge({
        name: 'queue_paused',
        help: 'Queues paused from outside (the queue dashboard): their jobs wait until they are resumed',
        registers: [this.registry],
        async collect() {
          // Redis away: the last value read stays (dependency_up says Redis is away).
          const paused = await pausedQueues().catch(() => undefined);
          if (paused) this.set(paused.length);
        },
      });
    }
    if (dependencies) {
      new Gauge({
        name: 'dependency_up',
        help: 'Whether a dependency answers readiness’s check (1) or not (0), by dependency: database, queue',
        labelNames: ['dependency'],
        registers: [this.registry],
        async collect() {
          const checks = await dependencies();
          this.reset();
          for (const [dependency, state] of Object.entries(checks)) this.set({ dependency }, state === 'up' ? 1 : 0);
        },
      });
    }
    if (newestBackup) {
      const labels = { location: newestBackup.location };
      // One listing of the store serves both gauges of a scrape (prom-client collects them at once): the
      // newest backup's time (0: there is none), or undefined when the store failed or took too long.
      let listing: Promise<number | undefined> | undefined;
      const newest = () =>
        (listing ??= withTimeout(newestBackup.read(), COLLECT_TIMEOUT_MS)
          .then((date) => date?.getTime() ?? 0, () => undefined)
          .finally(() => {
            listing = undefined;
          }));
      new Gauge({
        name: 'backup_newest_timestamp_seconds',
        help: 'When the newest complete backup in the store was made (Unix time; 0: there is none), by store location',
        labelNames: ['location'],
        registers: [this.registry],
        async collect() {
          // The store slow or unreachable: the last value read stays (none before the first), rather
          // than a failed scrape or a value that says there is no backup; backup_store_up says so.
          const time = await newest();
          if (time !== undefined) this.set(labels, time / 1_000);
        },
      });
      new Gauge({
        name: 'backup_store_up',
        help: 'Whether the backup store answered its listing at this scrape (1) or failed or took over 2 s (0), by store location',
        labelNames: ['location'],
        registers: [this.registry],
        async collect() {
          this.set(labels, (await newest()) === undefined ? 0 : 1);
        },
      });
    }
    if (sseClients) {
      new Gauge({
        name: 'sse_clients',
        help: 'Server-sent event streams open on this process',
        registers: [this.registry],
        collect() {
          this.set(sseClients());
        },
      });
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
