import { join, resolve } from 'node:path';
import { ManagedProcess } from '../topology/process.js';
import { waitForOk } from './ports.js';

const serverMain = resolve(import.meta.dirname, '../../server/dist/main.js');

/**
 * The embedded default, as `npm start` runs it after building: one process on PGlite in `dataDir`,
 * listening on `port`, resolved once it is ready. Its log goes to `dataDir`/server.log.
 */
export async function startEmbedded(dataDir: string, port: number, env: Record<string, string> = {}): Promise<ManagedProcess> {
  const fullEnv = { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_DRAIN_MS: '500', ...env };
  const server = new ManagedProcess('embedded', process.execPath, [serverMain], fullEnv, join(dataDir, 'server.log'));
  await waitForOk(`http://127.0.0.1:${port}/api/ready`, 60_000);
  return server;
}
