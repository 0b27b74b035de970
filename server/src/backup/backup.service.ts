import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Dumper } from './dumpers.js';
import { BACKUP_NAME, type BackupInfo, type BackupStore } from './store.js';

/** Backups as an operator sees them: make one (keeping the last N), list them, restore one. */
export class BackupService {
  constructor(
    private readonly dumper: Dumper,
    readonly store: BackupStore,
    private readonly keep: number,
    private readonly logger: Logger,
    /** What follows a restore that succeeded: the restored work is queued again. */
    private readonly afterRestore: () => Promise<unknown> = async () => {},
  ) {}

  async create(): Promise<BackupInfo> {
    const createdAt = new Date().toISOString();
    const name = `fibstack-${createdAt.replaceAll(':', '-').replace('.', '-')}.${this.dumper.extension}`;
    const info = await this.withTempFile(async (file) => {
      await this.dumper.dump(file);
      const info: BackupInfo = { name, kind: this.dumper.kind, bytes: (await stat(file)).size, sha256: await sha256(file), createdAt };
      await this.store.put(file, info);
      return info;
    });
    const removed = await this.applyRetention();
    this.logger.info({ backup: name, bytes: info.bytes, removed, location: this.store.location }, 'backup written');
    return info;
  }

  list(): Promise<BackupInfo[]> {
    return this.store.list();
  }

  /** Checks the backup whole before the database is touched; a damaged one changes nothing. */
  async restore(name: string): Promise<BackupInfo> {
    if (!BACKUP_NAME.test(name)) throw new AppError('NOT_FOUND', `there is no backup named ${JSON.stringify(name)}`);
    return this.withTempFile(async (file) => {
      const info = await this.store.fetch(name, file);
      if (!info) throw new AppError('NOT_FOUND', `there is no backup named ${name}`);
      if (info.kind !== this.dumper.kind) {
        throw new AppError('BACKUP_INVALID', `${name} is a ${info.kind} backup; this deployment's database is ${this.dumper.kind}`);
      }
      const bytes = (await stat(file)).size;
      if (bytes !== info.bytes || (await sha256(file)) !== info.sha256) {
        throw new AppError('BACKUP_INVALID', `${name} is damaged (${bytes} of ${info.bytes} bytes, checksum mismatch); nothing was restored`);
      }
      await this.dumper.restore(file);
      this.logger.info({ backup: name }, 'backup restored');
      await this.afterRestore();
      return info;
    });
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
