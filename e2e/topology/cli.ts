/**
 * `npm run topology`: the distributed topology on this machine's Postgres and Redis, without containers —
 * nginx in front of API replicas, and workers. Ctrl-C stops it all.
 *
 *   DATABASE_URL  Postgres to use (default postgres://postgres@127.0.0.1:5432/fibstack; created if missing)
 *   REDIS_URL     Redis to use (default redis://127.0.0.1:6379)
 *   PORT          nginx's port (default 8080); APIS / WORKERS how many of each (default 2 / 2)
 *   ADMIN_PASSWORD, LOG_LEVEL  passed to the servers
 * The per-client limits are off (one address drives it all); their tests turn them on.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Topology } from './topology.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/fibstack';
await ensureDatabase(databaseUrl);
const workDir = await mkdtemp(join(tmpdir(), 'fibstack-topology-'));
const topology = new Topology({
  databaseUrl,
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: 'fibstack',
  workDir,
  port: Number(process.env.PORT ?? 8080),
  apis: Number(process.env.APIS ?? 2),
  workers: Number(process.env.WORKERS ?? 2),
  env: {
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    ...(process.env.ADMIN_PASSWORD ? { ADMIN_PASSWORD: process.env.ADMIN_PASSWORD } : {}),
  },
});

// Ctrl-C reaches this process twice: from the terminal, and passed on by npm and tsx.
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('stopping…');
  await topology.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

// Stopped while it starts, the topology starts nothing more, and the stop under way ends the process.
const started = await topology.start().then(
  () => true,
  (error: unknown) => {
    if (stopping) return false;
    throw error;
  },
);
if (started) {
  console.log(`fibstack is running at ${topology.url}`);
  console.log(`  api:     ${topology.apis.map((api) => api.url).join(', ')}`);
  console.log(`  workers: ${topology.workers.map((worker) => worker.url).join(', ')}`);
  console.log(`  logs:    ${join(workDir, 'logs')}`);
}

async function ensureDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}
