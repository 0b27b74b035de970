/**
 * Starts one distributed topology (nginx, 2 api, 2 workers) on a fresh database and Redis prefix for all
 * end-to-end tests, and tells them where it is.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    /** The admin's password (user `admin`) on every api replica. */
    adminPassword: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const adminPassword = `e2e-${randomUUID()}`;
  const workDir = await mkdtemp(join(tmpdir(), 'fibstack-e2e-'));
  // Indexes above MAX_EXACT_INDEX, up to MAX_INDEX, are summary-only: the browser tests show one.
  const env = { MAX_INDEX: '10000000', MAX_EXACT_INDEX: '9500000', ADMIN_PASSWORD: adminPassword, BACKUP_DIR: join(workDir, 'backups') };
  const { topology, databaseUrl, destroy } = await startTestTopology({ workDir, env });
  project.provide('baseUrl', topology.url);
  project.provide('apiUrls', topology.apis.map((api) => api.url));
  project.provide('workerUrls', topology.workers.map((worker) => worker.url));
  project.provide('databaseUrl', databaseUrl);
  project.provide('adminPassword', adminPassword);
  return destroy;
}
