/**
 * `npm run bench:load`: the distributed topology (nginx, 2 api, 2 workers, this machine's Postgres and
 * Redis) under wrk, with the history filled to each size. Prints req/s, p50, p99 and errors per
 * endpoint, peak RSS per process, submit→event latency, and the machine's ceiling (nginx answering a
 * static 200 with the same settings) so figures from different machines compare as ratios.
 *
 *   BENCH_SIZES=1000,100000,1000000  BENCH_SECONDS=10  BENCH_CONNECTIONS=50  BENCH_WARMUP_SECONDS=10
 *   BENCH_STREAMS=20  BENCH_LOG_LEVEL=info (production's)  BENCH_OUT=e2e/artifacts/bench-load.json
 *
 * At the first size, a last POST row runs with BENCH_STREAMS event streams open through nginx, as
 * browsers keep them: every api process then decodes every event and writes it to its streams.
 *
 * The first POST run after the processes start is a warm-up, reported apart: it is when V8 compiles the
 * hot paths and each process opens its pool's connections, and a service that has run for more than a
 * few seconds is past it. The target figures are the rows after it.
 *
 * BENCH_NODE_ARGS passes flags to the server processes' node, e.g. `--cpu-prof --cpu-prof-dir=DIR`
 * (profiles are written when the processes stop).
 */
import { execFile } from 'node:child_process';
import { get, type ClientRequest } from 'node:http';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { QUEUE_NAMES } from '../../server/src/jobs/bullmq.queue.js';
import { metricSample } from '../../server/test/support/metrics.js';
import { createTestDatabase, redisNamespace, redisUrl } from '../../server/test/support/services.js';
import { freePort, waitForOk } from '../support/ports.js';
import { SseClient } from '../support/sse.js';
import { ManagedProcess } from '../topology/process.js';
import { Topology } from '../topology/topology.js';
import { watchInterruption } from './interruption.js';
import { CLOCK_TICKS_PER_SECOND, processCpu } from './proc.js';

const here = dirname(fileURLToPath(import.meta.url));
const sizes = (process.env.BENCH_SIZES ?? '1000,100000,1000000').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? seconds);
const streamCount = Number(process.env.BENCH_STREAMS ?? 20);
const out = resolve(process.env.BENCH_OUT ?? join(here, '../artifacts/bench-load.json'));
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** The servers' LOG_LEVEL: production's (deploy/env/production.env) unless told otherwise. */
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'info';
const run = promisify(execFile);
const interruption = watchInterruption();

interface WrkResult {
  requests: number;
  durationUs: number;
  errors: number;
  non2xx: number;
  p50Us: number;
  p99Us: number;
}

interface Row {
  history: number | '—';
  endpoint: string;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** CPU time each part of the system spent per request during one row, in ms (wrk itself not counted). */
type CpuPerRequest = Record<Component, number>;
const components = ['api', 'worker', 'postgres', 'redis', 'nginx'] as const;
type Component = (typeof components)[number];

async function wrk(url: string, script?: string, duration = seconds): Promise<WrkResult> {
  const report = await readFile(join(here, 'report.lua'), 'utf8');
  const body = script ? await readFile(join(here, script), 'utf8') : '';
  const dir = await mkdtemp(join(tmpdir(), 'fibstack-wrk-'));
  const file = join(dir, 'script.lua');
  await writeFile(file, `${body}\n${report}`);
  const { stdout } = await run('wrk', ['-t2', `-c${connections}`, `-d${duration}s`, '-s', file, url], { maxBuffer: 1 << 20, signal: interruption.signal }).finally(() =>
    rm(dir, { recursive: true, force: true }),
  );
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  return JSON.parse(line.slice(7)) as WrkResult;
}

const toRow = (history: Row['history'], endpoint: string, r: WrkResult): Row => ({
  history,
  endpoint,
  reqPerSec: Math.round(r.requests / (r.durationUs / 1e6)),
  p50Ms: r.p50Us / 1000,
  p99Ms: r.p99Us / 1000,
  errors: r.errors + r.non2xx,
});

/** The ceiling: nginx itself answering 200 with the proxy's settings. */
async function ceiling(workDir: string): Promise<Row> {
  const port = await freePort();
  const temp = join(workDir, 'ceiling-temp');
  await mkdir(temp, { recursive: true });
  const conf = join(workDir, 'ceiling.conf');
  await writeFile(
    conf,
    `worker_processes auto; pid ${workDir}/ceiling.pid; events { worker_connections 4096; }
     http { access_log off; client_body_temp_path ${temp}; proxy_temp_path ${temp}; fastcgi_temp_path ${temp};
            uwsgi_temp_path ${temp}; scgi_temp_path ${temp}; keepalive_timeout 65s;
            server { listen 127.0.0.1:${port}; location / { default_type application/json; return 200 '{"status":"ok"}'; } } }`,
  );
  const user = process.getuid?.() === 0 ? ' user root;' : '';
  const nginx = new ManagedProcess('ceiling', 'nginx', ['-c', conf, '-e', join(workDir, 'ceiling-error.log'), '-g', `daemon off;${user}`], process.env, join(workDir, 'ceiling.log'));
  try {
    await waitForOk(`http://127.0.0.1:${port}/`);
    return toRow('—', 'nginx static 200 (ceiling)', await wrk(`http://127.0.0.1:${port}/`));
  } finally {
    await nginx.stop('SIGQUIT');
  }
}

/** CPU time (user + system, clock ticks) used so far by each process of each part: servers by role, the rest by name. */
async function cpuTicks(topology: Topology): Promise<Map<number, { component: Component; ticks: number }>> {
  const roles = new Map<number, Component>([
    ...topology.apis.map((server): [number, Component] => [server.child.pid!, 'api']),
    ...topology.workers.map((server): [number, Component] => [server.child.pid!, 'worker']),
  ]);
  const byName: Record<string, Component> = { nginx: 'nginx', postgres: 'postgres', 'redis-server': 'redis' };
  const processes = new Map<number, { component: Component; ticks: number }>();
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number)) {
    const cpu = await processCpu(pid);
    const component = cpu && (roles.get(pid) ?? byName[cpu.name]);
    if (component) processes.set(pid, { component, ticks: cpu.ticks });
  }
  return processes;
}

/** The api processes' admin password, so that the benchmark can read their metrics. */
const METRICS_PASSWORD = 'bench-metrics-password';

/** The api processes' batches of cheap submissions so far, from their metrics, summed over processes. */
interface StatementTotals {
  statements: number;
  submissions: number;
  statementSeconds: number;
  queueSeconds: number;
}

async function statementTotals(topology: Topology): Promise<StatementTotals> {
  const totals: StatementTotals = { statements: 0, submissions: 0, statementSeconds: 0, queueSeconds: 0 };
  const authorization = `Basic ${Buffer.from(`admin:${METRICS_PASSWORD}`).toString('base64')}`;
  for (const api of topology.apis) {
    const text = await (await fetch(`${api.url}/metrics`, { headers: { authorization } })).text();
    const value = (name: string, labels: Record<string, string> = {}) => metricSample(text, name, labels) ?? 0;
    totals.statements += value('submission_batch_size_count');
    totals.submissions += value('submission_batch_size_sum');
    totals.statementSeconds += value('submission_batch_duration_seconds_sum', { step: 'statement' });
    totals.queueSeconds += value('submission_batch_duration_seconds_sum', { step: 'queue' });
  }
  return totals;
}

/**
 * How a row's cheap submissions were written: statements, submissions per statement, and the mean
 * time of a statement (commit included), of its queue step (jobs and events to Redis), and between an
 * api process's statements (gathering the next batch), which together make an api process's cycle.
 */
interface StatementSteps {
  statements: number;
  perStatement: number;
  statementMs: number;
  queueMs: number;
  betweenMs: number;
}

function statementSteps(before: StatementTotals, after: StatementTotals, apis: number, durationUs: number): StatementSteps | undefined {
  const statements = after.statements - before.statements;
  if (statements === 0) return undefined;
  const round = (value: number, scale = 100) => Math.round(value * scale) / scale;
  const statementMs = ((after.statementSeconds - before.statementSeconds) * 1_000) / statements;
  const queueMs = ((after.queueSeconds - before.queueSeconds) * 1_000) / statements;
  const cycleMs = (durationUs / 1_000) * apis / statements;
  return {
    statements,
    perStatement: round((after.submissions - before.submissions) / statements, 10),
    statementMs: round(statementMs),
    queueMs: round(queueMs),
    betweenMs: round(Math.max(0, cycleMs - statementMs - queueMs)),
  };
}

/**
 * Runs wrk and reports its figures with the CPU each part spent per request (processes that ended
 * meanwhile not counted) and, where it submitted, how the api processes batched the submissions.
 */
async function measure(
  topology: Topology,
  history: Row['history'],
  endpoint: string,
  url: string,
  script?: string,
  duration = seconds,
): Promise<Row & { cpu: CpuPerRequest; statements?: StatementSteps }> {
  const before = await cpuTicks(topology);
  const totalsBefore = await statementTotals(topology);
  const result = await wrk(url, script, duration);
  const totalsAfter = await statementTotals(topology);
  const after = await cpuTicks(topology);
  const cpu = Object.fromEntries(components.map((component) => [component, 0])) as CpuPerRequest;
  for (const [pid, { component, ticks }] of after) cpu[component] += ticks - (before.get(pid)?.ticks ?? 0);
  for (const component of components) {
    cpu[component] = Math.round((cpu[component] * (1000 / CLOCK_TICKS_PER_SECOND) * 1000) / Math.max(1, result.requests)) / 1000;
  }
  return { ...toRow(history, endpoint, result), cpu, statements: statementSteps(totalsBefore, totalsAfter, topology.apis.length, result.durationUs) };
}

/** Waits until the workers have finished every job the POSTs queued; returns how long that took, in s. */
async function drain(queues: Queue[]): Promise<number> {
  const started = performance.now();
  for (;;) {
    // Delayed jobs are the periodic ones, waiting for their next tick.
    const counts = await Promise.all(queues.map((queue) => queue.getJobCounts('waiting', 'active', 'prioritized')));
    if (counts.flatMap(Object.values).every((count) => count === 0)) return Math.round((performance.now() - started) / 100) / 10;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The indexes POST rows submit as new (post.lua: from 1,000 up), below the filled history (from 10^8). */
const NEW_INDEXES = 'index >= 1000 AND index < 100000000';

/**
 * How the row's new calculations were batched: one worker job computes the new indexes of one api
 * submission statement (its `batch`), and each job and statement costs about the same whatever its
 * size, so the mean size explains much of a POST row's throughput.
 */
async function batching(db: pg.Pool): Promise<{ jobs: number; perJob: number }> {
  const { rows } = await db.query<{ calculations: string; jobs: string }>(
    `SELECT count(*) AS calculations, count(DISTINCT batch) AS jobs FROM calculations WHERE ${NEW_INDEXES} AND batch IS NOT NULL`,
  );
  const jobs = Number(rows[0]!.jobs);
  return { jobs, perJob: Math.round((Number(rows[0]!.calculations) / Math.max(1, jobs)) * 10) / 10 };
}

/** Event streams held open through nginx, their data discarded as it arrives; `bytes` counts it per stream. */
async function openStreams(url: string, count: number): Promise<{ bytes: number[]; close(): void }> {
  const bytes = Array.from({ length: count }, () => 0);
  const requests = await Promise.all(
    bytes.map(
      (_, i) =>
        new Promise<ClientRequest>((resolve, reject) => {
          const request = get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (response) => {
            response.on('data', (chunk: Buffer) => (bytes[i]! += chunk.length));
            response.once('data', () => resolve(request));
          }).on('error', reject);
        }),
    ),
  );
  return { bytes, close: () => requests.forEach((request) => request.destroy()) };
}

/** Fills the history (calculations, values, submissions) up to `size` rows each. */
async function fill(db: pg.Pool, size: number): Promise<void> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM calculations WHERE index >= 100000000');
  const from = Number(rows[0]!.n) + 1;
  if (from > size) return;
  const range = [from, size];
  await db.query(
    `INSERT INTO calculations (index, status, digits, head, tail, duration_ms, completed_at, requested_by)
     SELECT 100000000 + g, 'done', 1, '1', '1', 0.01, now(), 'bench' FROM generate_series($1::int, $2::int) g`,
    range,
  );
  await db.query(`INSERT INTO calculation_values (index, bytes, decimal) SELECT 100000000 + g, '\\x01'::bytea, '1' FROM generate_series($1::int, $2::int) g`, range);
  await db.query(`INSERT INTO submissions (index, request_id) SELECT 100000000 + g, 'fill-' || g FROM generate_series($1::int, $2::int) g`, range);
  await db.query('VACUUM ANALYZE calculations, calculation_values, submissions');
  // The fill's dirty pages are written by a checkpoint now, not by one in the middle of the next row.
  await db.query('CHECKPOINT');
}

/**
 * Forgets the indexes an earlier POST row submitted as new (post.lua: from 1,000 up, below the filled
 * history), so that in every row half the POSTs are new indexes, as in the first.
 */
async function forgetNewIndexes(db: pg.Pool): Promise<void> {
  await db.query(`DELETE FROM calculations WHERE ${NEW_INDEXES}`);
  await db.query('VACUUM ANALYZE calculations, calculation_values, submissions');
}

/** Peak resident memory of each process, in MB. */
async function peakRss(topology: Topology): Promise<Record<string, number>> {
  const peaks: Record<string, number> = {};
  for (const server of [...topology.apis, ...topology.workers]) {
    const status = await readFile(`/proc/${server.child.pid}/status`, 'utf8');
    peaks[server.name] = Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  }
  return peaks;
}

/**
 * Submit → `done` event over SSE, for F(0)…F(30), at light load (one request at a time). Before each
 * submission the same client also times a `GET /api/health` through nginx: what a round trip costs this
 * client and nginx alone (Node's fetch, at this pace, is far from free), for reading the latency against.
 */
async function eventLatency(topology: Topology, db: pg.Pool): Promise<{ p50Ms: number; p99Ms: number; samples: number; roundTripP50Ms: number }> {
  const stream = await SseClient.connect(`${topology.url}/api/events`);
  const samples: number[] = [];
  const roundTrips: number[] = [];
  try {
    for (let round = 0; round < 5; round++) {
      for (let index = 0; index <= 30; index++) {
        // Forget the calculation, so the submission computes it anew (in a batch of its own, a new job).
        await db.query('DELETE FROM calculations WHERE index = $1', [index]);
        stream.events.length = 0;
        const probed = performance.now();
        await (await fetch(`${topology.url}/api/health`)).arrayBuffer();
        roundTrips.push(performance.now() - probed);
        const started = performance.now();
        const response = await fetch(`${topology.url}/api/calculations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ index }) });
        await response.arrayBuffer();
        await stream.waitFor((event) => event.type === 'calculation' && (event.data as { index: number; status: string }).index === index && (event.data as { status: string }).status === 'done');
        samples.push(performance.now() - started);
      }
    }
  } finally {
    await stream.close();
  }
  return { p50Ms: quantile(samples, 0.5), p99Ms: quantile(samples, 0.99), samples: samples.length, roundTripP50Ms: quantile(roundTrips, 0.5) };
}

/** The q-quantile of samples in ms, to 0.01 ms. */
function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100;
}

/** Whether wrk, which drives every row, can be run: checked before anything is started. */
async function haveWrk(): Promise<boolean> {
  // `wrk -v` prints its version and exits 1; only a missing program is an error here.
  return run('wrk', ['-v']).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== 'ENOENT',
  );
}

async function main(): Promise<void> {
  if (!(await haveWrk())) {
    console.error('npm run bench:load drives the load with wrk, which is not on the PATH (Debian: apt-get install wrk).');
    process.exitCode = 1;
    return;
  }
  const database = await createTestDatabase();
  const namespace = redisNamespace();
  const workDir = await mkdtemp(join(tmpdir(), 'fibstack-bench-'));
  const topology = new Topology({
    databaseUrl: database.url,
    redisUrl,
    prefix: namespace.prefix,
    workDir,
    env: { LOG_LEVEL: logLevel, DATABASE_POOL_SIZE: '20', ADMIN_PASSWORD: METRICS_PASSWORD },
    nodeArgs,
  });
  const db = new pg.Pool({ connectionString: database.url, max: 2 });
  // pg's end() resolves before its connections close, and the forced drop at the end may end one first.
  db.on('error', () => {});
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queues = Object.values(QUEUE_NAMES).map((name) => new Queue(name, { connection, prefix: namespace.prefix }));
  const backlog: Record<string, number> = {};
  const batches: Record<string, { jobs: number; perJob: number }> = {};
  let streamBytes: number[] = [];
  const rows: Array<Row & { cpu?: CpuPerRequest; statements?: StatementSteps }> = [];
  const memory: Record<string, Record<string, number>> = {};
  console.log(`database ${database.name}, Redis prefix ${namespace.prefix}, logs in ${join(workDir, 'logs')}`);
  const benchmark = async () => {
    rows.push(await ceiling(workDir));
    await topology.start();
    if (warmupSeconds > 0) {
      rows.push(await measure(topology, '—', 'POST /api/calculations (warm-up)', `${topology.url}/api/calculations`, 'post.lua', warmupSeconds));
      await drain(queues);
    }
    const latency = await eventLatency(topology, db);
    for (const size of sizes) {
      await fill(db, size);
      await forgetNewIndexes(db);
      rows.push(await measure(topology, size, 'POST /api/calculations', `${topology.url}/api/calculations`, 'post.lua'));
      // The reads are measured on their own, once the workers have caught up with the POSTs' jobs.
      backlog[size] = await drain(queues);
      batches[size] = await batching(db);
      for (const path of ['/api/calculations', '/api/submissions', '/api/values/all', '/api/values/current']) {
        rows.push(await measure(topology, size, `GET ${path}`, `${topology.url}${path}`));
      }
      if (size === sizes[0] && streamCount > 0) {
        await forgetNewIndexes(db);
        const streams = await openStreams(`${topology.url}/api/events`, streamCount);
        try {
          rows.push(await measure(topology, size, `POST /api/calculations (${streamCount} event streams open)`, `${topology.url}/api/calculations`, 'post.lua'));
        } finally {
          streams.close();
        }
        streamBytes = streams.bytes;
        await drain(queues);
      }
      memory[size] = await peakRss(topology);
    }
    console.log(`\nfibstack load benchmark — ${connections} connections, ${seconds} s each, wrk -t2; machine: ${(await run('nproc')).stdout.trim()} cores\n`);
    console.table(rows.map(({ cpu, statements, ...row }) => row));
    console.log('CPU time per request (ms), by part of the system (wrk not counted):');
    console.table(rows.filter((row) => row.cpu).map(({ history, endpoint, cpu }) => ({ history, endpoint, ...cpu })));
    console.log('statements of cheap submissions (from the api processes\' metrics), mean ms of each step of an api process\'s cycle:');
    console.table(rows.filter((row) => row.statements).map(({ history, endpoint, statements }) => ({ history, endpoint, ...statements })));
    console.log(`submit → done event over SSE, F(0)…F(30), one at a time: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms (${latency.samples} samples); the same client's GET /api/health round trip through nginx: p50 ${latency.roundTripP50Ms} ms`);
    console.log('seconds the workers took, after each POST row, to finish the jobs it queued:', backlog);
    console.log('batch jobs the new indexes of each POST row went in, and new calculations per job:', batches);
    if (streamBytes.length > 0) {
      console.log(`the ${streamBytes.length} event streams received ${Math.round(Math.min(...streamBytes) / 1024)}–${Math.round(Math.max(...streamBytes) / 1024)} kB each`);
    }
    console.log('peak RSS (MB) per process, after each history size:');
    console.table(memory);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify({ connections, seconds, rows, latency, backlog, batches, streamBytes, memory }, null, 2)}\n`);
    console.log(`written to ${out}`);
  };
  try {
    await interruption.race(benchmark());
  } catch (error) {
    if (!interruption.signal.aborted) {
      // The processes' logs are kept when the run fails, for the error to be read beside them.
      console.error(`logs in ${workDir}`);
      throw error;
    }
    console.error(`${interruption.signal.reason}: stopping the topology, removing its database and Redis keys`);
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
    connection.disconnect();
    // The run may have been interrupted in a long statement of its own (the fill of a million rows):
    // dropping the database ends it, where waiting for it could take a minute.
    if (interruption.signal.aborted) await database.drop();
    await db.end();
    await topology.stop();
    await database.drop();
    await namespace.clean();
  }
  await rm(workDir, { recursive: true, force: true });
  // Whatever step the run was in is abandoned, still waiting for a server that has gone.
  interruption.exitIfInterrupted();
}

await main();
