/**
 * Starts one distributed topology (nginx, 2 api, 2 workers) on a fresh database and Redis prefix for all
 * end-to-end tests, and tells them where it is.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { createTestDatabase, redisNamespace, redisUrl } from '../../server/test/support/services.js';
import { Topology } from '../topology/topology.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** nginx, in front of everything. */
    baseUrl: string;
    /** Each api replica, directly. */
    apiUrls: string[];
    /** Each worker's health endpoint. */
    workerUrls: string[];
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = await createTestDatabase();
  const namespace = redisNamespace();
  const workDir = await mkdtemp(join(tmpdir(), 'fibstack-e2e-'));
  const topology = new Topology({ databaseUrl: database.url, redisUrl, prefix: namespace.prefix, workDir, env: { MAX_INDEX: '1000000' } });
  try {
    await topology.start();
  } catch (error) {
    await topology.stop();
    throw new Error(`the e2e topology did not start (logs in ${workDir}/logs)`, { cause: error });
  }
  project.provide('baseUrl', topology.url);
  project.provide('apiUrls', topology.apis.map((api) => api.url));
  project.provide('workerUrls', topology.workers.map((worker) => worker.url));
  project.provide('databaseUrl', database.url);
  return async () => {
    await topology.stop();
    await database.drop();
    await namespace.clean();
  };
}
