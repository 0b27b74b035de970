import { join } from 'node:path';
import lockfile from 'proper-lockfile';

/** How long a lock its holder stopped refreshing (a process killed) stays taken. */
const STALE_MS = 10_000;
/** How long a process waits for a taken lock: a little past STALE_MS, so a killed holder's lock is taken over. */
const WAIT_MS = STALE_MS + 2_000;
const RETRY_MS = 500;

/** Another process holds the embedded database. */
export class DataDirInUseError extends Error {
  constructor(dataDir: string) {
    super(
      `the embedded database in ${dataDir} is in use by another process (npm start, npm run dev, a backup or a restore): ` +
        'stop it first, or give this process another DATA_DIR',
    );
    this.name = 'DataDirInUseError';
  }
}

/**
 * Holds DATA_DIR for this process until the returned function releases it. PGlite is a database of one
 * process: a second one opening the same files would not see the first one's writes and would lose
 * them. The lock is a folder beside the data (`pglite.lock`) whose time its holder refreshes; a holder
 * that was killed lets go once it is stale, which a process starting meanwhile waits for. A lock lost
 * (`onLost`: its folder removed or taken over) is not released again at the stop.
 */
export async function lockDataDir(dataDir: string, onLost: (error: Error) => void): Promise<() => Promise<void>> {
  const deadline = Date.now() + WAIT_MS;
  let lost = false;
  const onCompromised = (error: Error) => {
    lost = true;
    onLost(error);
  };
  for (;;) {
    try {
      const release = await lockfile.lock(dataDir, { lockfilePath: join(dataDir, 'pglite.lock'), realpath: false, stale: STALE_MS, onCompromised });
      return async () => {
        if (!lost) await release();
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (Date.now() >= deadline) throw new DataDirInUseError(dataDir);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}
