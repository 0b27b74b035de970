import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { ifMissing } from '../lib/fs.js';
import { BACKUP_NAME, MANIFEST_SUFFIX, newestFirst, type BackupInfo, type BackupStore } from './store.js';

/** Backups in a local directory (a mounted volume in containers). */
export class DirectoryStore implements BackupStore {
  constructor(readonly location: string) {}

  /** Readable by the service's user alone: a backup holds every record, client addresses included. */
  async put(file: string, info: BackupInfo): Promise<void> {
    await mkdir(this.location, { recursive: true, mode: 0o700 });
    // A crash mid-copy leaves only a dot-file, which nothing lists; rename makes it whole at once.
    const partial = join(this.location, `.${info.name}.partial`);
    const complete = join(this.location, info.name);
    let renamed = false;
    try {
      // Created with its mode, never readable by others for a moment (a copy takes the source's); one
      // left by a crash goes first, as a file written over keeps the mode it had.
      await rm(partial, { force: true });
      await pipeline(createReadStream(file), createWriteStream(partial, { mode: 0o600, flags: 'wx' }));
      await rename(partial, complete);
      renamed = true;
      await writeFile(`${partial}${MANIFEST_SUFFIX}`, JSON.stringify(info, null, 2), { mode: 0o600 });
      await rename(`${partial}${MANIFEST_SUFFIX}`, join(this.location, `${info.name}${MANIFEST_SUFFIX}`));
    } catch (error) {
      // What a failed backup (a full disk) left is not listed, and so would never be pruned: it would
      // fill the disk again. A backup file without its manifest is removed with it.
      const leftovers = [partial, `${partial}${MANIFEST_SUFFIX}`, ...(renamed ? [complete] : [])];
      await Promise.all(leftovers.map((leftover) => rm(leftover, { force: true }).catch(() => {})));
      throw error;
    }
  }

  async list(): Promise<BackupInfo[]> {
    // A folder not there yet holds no backups; one that cannot be read (not a folder, no rights) is an error, not an empty store.
    const names = await readdir(this.location).catch(ifMissing([]));
    const manifests = names.filter((name) => name.endsWith(MANIFEST_SUFFIX) && BACKUP_NAME.test(name.slice(0, -MANIFEST_SUFFIX.length)));
    const infos = await Promise.all(manifests.map((name) => this.manifest(name.slice(0, -MANIFEST_SUFFIX.length))));
    return newestFirst(infos.filter((info): info is BackupInfo => info !== undefined));
  }

  async fetch(name: string, file: string): Promise<BackupInfo | undefined> {
    const info = await this.manifest(name);
    if (!info) return undefined;
    await copyFile(join(this.location, name), file).catch(ifMissing(undefined));
    return info;
  }

  async remove(name: string): Promise<void> {
    // The manifest first: a backup half removed is no longer listed.
    await rm(join(this.location, `${name}${MANIFEST_SUFFIX}`), { force: true });
    await rm(join(this.location, name), { force: true });
  }

  private async manifest(name: string): Promise<BackupInfo | undefined> {
    if (!BACKUP_NAME.test(name)) return undefined;
    // Only a manifest that is not there means no such backup; one that cannot be read is an error.
    const text = await readFile(join(this.location, `${name}${MANIFEST_SUFFIX}`), 'utf8').catch(ifMissing(undefined));
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as BackupInfo;
    } catch {
      // Written whole and renamed: one that does not parse is not a manifest this service wrote.
      return undefined;
    }
  }
}
