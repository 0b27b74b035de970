import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, redisNamespace, redisUrl } from '../../server/test/support/services.js';
import { Topology, type TopologyOptions } from '../topology/topology.js';

export interface TestTopology {
  topology: Topology;
  databaseUrl: string;
  /** Stops every process and removes the database, the Redis keys and the work directory (with its logs). */
  destroy(): Promise<void>;
}

/** A topology of a test's own: a fresh database on the machine's Postgres, a fresh Redis prefix. */
export async function startTestTopology(options: Partial<Omit<TopologyOptions, 'databaseUrl' | 'redisUrl' | 'prefix'>> = {}): Promise<TestTopology> {
  const database = await createTestDatabase();
  const namespace = redisNamespace();
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'fibstack-e2e-')));
  const topology = new Topology({ ...options, databaseUrl: database.url, redisUrl, prefix: namespace.prefix, workDir });
  const stop = async () => {
    await topology.stop();
    await database.drop();
    await namespace.clean();
  };
  const destroy = async () => {
    await stop();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    await topology.start();
  } catch (error) {
    // The logs stay, for the error to point at.
    await stop();
    throw new Error(`the topology did not start (logs in ${workDir}/logs)`, { cause: error });
  }
  return { topology, databaseUrl: database.url, destroy };
}
