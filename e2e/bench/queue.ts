/**
 * `npm run bench:queue`: what one job costs on the Redis queue (BullmqQueue with the service's own
 * settings, handlers that do nothing), in CPU of this process (producer and worker together) and of
 * Redis, and in Redis commands, for a batch (its lane runs one at a time) and for a single calculation
 * (its lane runs WORKER_CONCURRENCY's default of 8 at once). Two cadences: back to back (the queue never
 * empties), and paced (a job every few milliseconds, so the worker waits for each one, as workers do
 * under the load benchmark, where a job comes every 3 ms or so and takes about 1 ms).
 *
 *   BENCH_JOBS=2000  BENCH_PACE_MS=3
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { BATCH_CONCURRENCY, JobName, type JobHandlers, type JobPayloads, type JobRequest } from '../../server/src/jobs/types.js';
import { createAdapters } from '../../server/test/support/adapters.js';
import { redisUrl } from '../../server/test/support/services.js';
import { watchInterruption } from './interruption.js';
import { CLOCK_TICKS_PER_SECOND, processCpu } from './proc.js';

const jobs = Number(process.env.BENCH_JOBS ?? 2000);
const paceMs = Number(process.env.BENCH_PACE_MS ?? 3);
const run = promisify(execFile);
const interruption = watchInterruption();
/** WORKER_CONCURRENCY's default. */
const workerConcurrency = 8;

/** A submission batch's job as the api adds it: seven calculations. */
const payload = (batch: string): JobPayloads[JobName.ComputeFibonacciBatch] => ({
  batch,
  calculations: Array.from({ length: 7 }, (_, i) => ({ index: 1_000 + i, attempt: 1, requestId: `0b5e2c1e-9d4f-4a57-8c3b-${String(i).padStart(12, '0')}` })),
});

/** CPU time (user + system) of a process so far, in µs. */
async function cpuUs(pid: number): Promise<number> {
  const cpu = await processCpu(pid);
  if (!cpu) throw new Error(`process ${pid} has gone`);
  return (cpu.ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** Redis commands run so far, by name, from INFO commandstats. */
async function commandCounts(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  return new Map([...info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)].map(([, name, calls]) => [name!, Number(calls)]));
}

const kinds = {
  batch: { concurrency: BATCH_CONCURRENCY, job: (i: number): JobRequest => ({ name: JobName.ComputeFibonacciBatch, payload: payload(`b-${i}`) }) },
  'one calculation': { concurrency: workerConcurrency, job: (i: number): JobRequest => ({ name: JobName.ComputeFibonacci, payload: { index: 100_000 + i, attempt: 1 } }) },
};

async function measure(kind: keyof typeof kinds, paced: boolean) {
  const adapters = createAdapters('redis');
  const queue = await adapters.queue(3);
  const redis = new Redis(redisUrl);
  const redisPid = Number((await redis.info('server')).match(/process_id:(\d+)/)![1]);
  let finished = 0;
  let allFinished = () => {};
  const noop = { handle: async () => void (++finished === jobs && allFinished()) };
  const handlers = Object.fromEntries(Object.values(JobName).map((name) => [name, noop])) as unknown as JobHandlers;
  try {
    await queue.work(handlers, { concurrency: workerConcurrency, engine: 'bigint' });
    const done = new Promise<void>((resolve) => (allFinished = resolve));
    const [ownBefore, redisBefore, commandsBefore] = [process.cpuUsage(), await cpuUs(redisPid), await commandCounts(redis)];
    for (let i = 0; i < jobs && !interruption.signal.aborted; i++) {
      await queue.enqueueMany([kinds[kind].job(i)]);
      if (paced) await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
    await interruption.race(done);
    const own = process.cpuUsage(ownBefore);
    const redisUs = (await cpuUs(redisPid)) - redisBefore;
    const commandsAfter = await commandCounts(redis);
    const perJob = (name: string) => Math.round((((commandsAfter.get(name) ?? 0) - (commandsBefore.get(name) ?? 0)) / jobs) * 10) / 10;
    return {
      job: kind,
      cadence: paced ? `a job every ${paceMs} ms` : 'back to back',
      concurrency: kinds[kind].concurrency,
      'node µs/job': Math.round((own.user + own.system) / jobs),
      'redis µs/job': Math.round(redisUs / jobs),
      'scripts/job': perJob('evalsha'),
      'blocking pops/job': perJob('bzpopmin'),
    };
  } finally {
    await queue.close();
    redis.disconnect();
    await adapters.cleanup();
  }
}

const rows = [];
try {
  for (const paced of [false, true]) for (const kind of Object.keys(kinds) as Array<keyof typeof kinds>) rows.push(await measure(kind, paced));
} catch (error) {
  // Interrupted, each measurement has removed its keys on the way out.
  if (!interruption.signal.aborted) throw error;
  interruption.exitIfInterrupted();
}
console.log(`\nfibstack queue benchmark — ${jobs} jobs each, machine: ${(await run('nproc')).stdout.trim()} cores\n`);
console.table(rows);
