/** Where backups are kept: a directory or an S3-compatible bucket, behind one interface. */

import { isTransientError, UnavailableError } from '../lib/errors.js';

export interface BackupInfo {
  name: string;
  /** What made it, and so what can restore it. */
  kind: 'postgres' | 'pglite';
  bytes: number;
  /** Hex SHA-256 of the backup file: a truncated or altered backup is refused before anything is touched. */
  sha256: string;
  createdAt: string;
  /** With BACKUP_SIGNING_KEY set: the hex HMAC-SHA256 of the fields above, under that key (signature.ts). */
  signature?: string;
}

export interface BackupStore {
  /** Where, for logs and the admin page (never with credentials). */
  readonly location: string;
  /**
   * Stores a finished backup file. It is listed only once complete: the data is written under a
   * temporary name and renamed (or, in a bucket, appears whole), and the manifest goes last.
   */
  put(file: string, info: BackupInfo): Promise<void>;
  /** Complete backups, newest first. */
  list(): Promise<BackupInfo[]>;
  /**
   * Copies a backup to a local file; undefined when there is no complete backup of that name. A
   * manifest whose backup file is gone is returned with `file` left unwritten: the restore's size
   * check refuses it as damaged.
   */
  fetch(name: string, file: string): Promise<BackupInfo | undefined>;
  remove(name: string): Promise<void>;
}

/**
 * The store with its outages told apart from those of Postgres and Redis. A bucket that does not answer
 * fails as they do (a refused connection, an unknown host), and a scheduled backup was then put off
 * again and again without spending an attempt (jobs/run-job.ts), never failing, never logged. Its
 * errors become UnavailableError: a 503 to the admin page, and a failed attempt to a job.
 */
export function withDistinctOutages(store: BackupStore): BackupStore {
  const guarded = <T>(work: () => Promise<T>): Promise<T> =>
    work().catch((error: unknown) => {
      if (!isTransientError(error)) throw error;
      throw new UnavailableError(`the backup store ${store.location} does not answer: ${(error as Error).message}`);
    });
  return {
    location: store.location,
    put: (file, info) => guarded(() => store.put(file, info)),
    list: () => guarded(() => store.list()),
    fetch: (name, file) => guarded(() => store.fetch(name, file)),
    remove: (name) => guarded(() => store.remove(name)),
  };
}

/** Backup names are generated, and checked again wherever a name comes from outside. */
export const BACKUP_NAME = /^fibstack-[0-9TZ-]+\.(pgdump|tar\.gz)$/;

export const MANIFEST_SUFFIX = '.json';

export function newestFirst(backups: BackupInfo[]): BackupInfo[] {
  return backups.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name));
}
