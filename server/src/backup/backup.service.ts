import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../lib/errors.js';
import { ifMissing } from '../lib/fs.js';
import type { Logger } from '../lib/logger.js';
import { BackupInProgressError, type Dumper } from './dumpers.js';
import { sign, signatureState, type SignatureState } from './signature.js';
import { BACKUP_NAME, type BackupInfo, type BackupStore } from './store.js';

/** How long the newest backup's time, read from the store, is trusted (see `newest`). */
const NEWEST_TTL_MS = 60_000;

/** Backups as an operator sees them: make one (keeping the last N), list them, restore one. */
export class BackupService {
  private newestKnown: { readAt: number; createdAt: Promise<Date | undefined> } | undefined;
  private creating = false;

  constructor(
    private readonly dumper: Dumper,
    readonly store: BackupStore,
    private readonly keep: number,
    /** BACKUP_SIGNING_KEY: backups made are signed with it, and a restore takes only those it signed. */
    private readonly signingKey: string | undefined,
    private readonly logger: Logger,
    /** What follows a restore that succeeded: the restored work is queued again. */
    private readonly afterRestore: () => Promise<unknown> = async () => {},
  ) {}

  /**
   * One backup at a time, as on Postgres (the dump's advisory lock, across processes): one asked for
   * meanwhile is refused. The embedded database's dumps would otherwise wait for each other, and two
   * asked for in the same millisecond would take the same name, one file written over the other.
   */
  async create(): Promise<BackupInfo> {
    if (this.creating) throw new BackupInProgressError();
    this.creating = true;
    try {
      return await this.createNow();
    } finally {
      this.creating = false;
    }
  }

  private async createNow(): Promise<BackupInfo> {
    const createdAt = new Date().toISOString();
    const name = `fibstack-${createdAt.replaceAll(':', '-').replace('.', '-')}.${this.dumper.extension}`;
    const info = await this.withTempFile(async (file) => {
      await this.dumper.dump(file);
      const info: BackupInfo = { name, kind: this.dumper.kind, bytes: (await stat(file)).size, sha256: await sha256(file), createdAt };
      if (this.signingKey !== undefined) info.signature = sign(info, this.signingKey);
      await this.store.put(file, info);
      return info;
    });
    this.newestKnown = { readAt: Date.now(), createdAt: Promise.resolve(new Date(createdAt)) };
    const removed = await this.applyRetention();
    this.logger.info({ backup: name, bytes: info.bytes, removed, location: this.store.location }, 'backup written');
    return info;
  }

  list(): Promise<BackupInfo[]> {
    return this.store.list();
  }

  /**
   * When the newest complete backup in the store was made (undefined: there is none), for a metric read
   * at every scrape: the store is listed at most once a minute, and a backup this process makes is known
   * at once. One made by another process shows within the minute.
   */
  newest(): Promise<Date | undefined> {
    if (this.newestKnown === undefined || Date.now() - this.newestKnown.readAt > NEWEST_TTL_MS) {
      const known = { readAt: Date.now(), createdAt: this.list().then(([newest]) => (newest ? new Date(newest.createdAt) : undefined)) };
      // A failed listing is not kept: the next read tries again.
      known.createdAt.catch(() => {
        if (this.newestKnown === known) this.newestKnown = undefined;
      });
      this.newestKnown = known;
    }
    return this.newestKnown.createdAt;
  }

  /**
   * Checks the backup whole before the database is touched: a damaged one, or (with a signing key) one
   * not signed with that key, changes nothing. `allowUnsigned`: the operator vouches for a backup made
   * before signing was turned on (the restore command's --allow-unsigned).
   */
  async restore(name: string, { allowUnsigned = false } = {}): Promise<BackupInfo> {
    if (!BACKUP_NAME.test(name)) throw new AppError('NOT_FOUND', `there is no backup named ${JSON.stringify(name)}`);
    return this.withTempFile(async (file) => {
      const info = await this.store.fetch(name, file);
      if (!info) throw new AppError('NOT_FOUND', `there is no backup named ${name}`);
      if (info.name !== name) throw new AppError('BACKUP_INVALID', `the manifest of ${name} is that of another backup; nothing was restored`);
      this.checkSignature(info, allowUnsigned);
      if (info.kind !== this.dumper.kind) {
        throw new AppError('BACKUP_INVALID', `${name} is a ${info.kind} backup; this deployment's database is ${this.dumper.kind}`);
      }
      // No file: the store had the manifest alone (see BackupStore.fetch).
      const bytes = await stat(file).then(({ size }) => size, ifMissing(0));
      if (bytes !== info.bytes || (await sha256(file)) !== info.sha256) {
        throw new AppError('BACKUP_INVALID', `${name} is damaged (${bytes} of ${info.bytes} bytes, checksum mismatch); nothing was restored`);
      }
      const migrated = await this.dumper.restore(file);
      this.logger.info({ backup: name, ...(migrated.length > 0 && { migrated }) }, 'backup restored');
      await this.afterRestore();
      return info;
    });
  }

  /** How this process's key judges a backup's signature, for the listing. */
  signatureOf(info: BackupInfo): SignatureState {
    return signatureState(info, this.signingKey);
  }

  /**
   * Without a key nothing is checked, as before signing existed: refusing signed backups there would
   * guard nothing, since whoever can write the store can strip a signature as well.
   */
  private checkSignature(info: BackupInfo, allowUnsigned: boolean): void {
    const state = this.signatureOf(info);
    if (state === 'unchecked') {
      this.logger.warn({ backup: info.name }, 'backup signed, but BACKUP_SIGNING_KEY is not set: its signature is not checked');
    } else if (state === 'invalid') {
      throw new AppError(
        'BACKUP_INVALID',
        `the signature of ${info.name} does not match: the backup was altered after it was made, or signed with another BACKUP_SIGNING_KEY; nothing was restored`,
      );
    } else if (state === 'unsigned' && this.signingKey !== undefined) {
      if (!allowUnsigned) {
        throw new AppError(
          'BACKUP_INVALID',
          `${info.name} is not signed, and BACKUP_SIGNING_KEY is set: nothing was restored. A backup made before signing was turned on ` +
            `can be restored, once you are sure where it comes from, with \`npm run restore -- ${info.name} --allow-unsigned\``,
        );
      }
      this.logger.warn({ backup: info.name }, 'unsigned backup accepted, as asked (--allow-unsigned)');
    }
  }

  private async applyRetention(): Promise<number> {
    const expired = (await this.store.list()).slice(this.keep);
    for (const { name } of expired) await this.store.remove(name);
    return expired.length;
  }

  private async withTempFile<T>(work: (file: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'fibstack-backup-'));
    try {
      return await work(join(dir, 'backup'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
