/**
 * Starts one distributed topology (nginx, 2 api, 2 workers) on a fresh database and Redis prefix for all
 * end-to-end tests, and tells them where it is.
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startTestTopology } from '../support/test-topology.js';

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
  const { topology, databaseUrl, destroy } = await startTestTopology({ env: { MAX_INDEX: '1000000' } });
  project.provide('baseUrl', topology.url);
  project.provide('apiUrls', topology.apis.map((api) => api.url));
  project.provide('workerUrls', topology.workers.map((worker) => worker.url));
  project.provide('databaseUrl', databaseUrl);
  return destroy;
}
