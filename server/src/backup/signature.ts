/**
 * Backups signed with BACKUP_SIGNING_KEY. The signature is an HMAC-SHA256 of the manifest's fields, the
 * backup file's size and SHA-256 among them: a file swapped or altered no longer matches its checksum,
 * and a checksum changed to match no longer matches the signature. Only a holder of the key can make
 * a backup that a restore takes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BackupInfo } from './store.js';

/** A backup's signature as this process's key judges it; `unchecked`: signed, and this process has no key. */
export type SignatureState = 'valid' | 'invalid' | 'unsigned' | 'unchecked';

/**
 * What is signed: every field but the signature, in a fixed order, so that the manifest's layout (the
 * directory's is indented, the bucket's is not) does not matter. The name is signed too: a signed
 * backup copied under another name is refused.
 */
function signedText({ name, kind, bytes, sha256, createdAt }: BackupInfo): string {
  return JSON.stringify(['fibstack-backup-1', name, kind, bytes, sha256, createdAt]);
}

export function sign(info: BackupInfo, key: string): string {
  return createHmac('sha256', key).update(signedText(info)).digest('hex');
}

export function signatureState(info: BackupInfo, key: string | undefined): SignatureState {
  if (info.signature === undefined) return 'unsigned';
  if (key === undefined) return 'unchecked';
  const expected = Buffer.from(sign(info, key));
  // Whatever a manifest holds (it is read from the store): anything but the right hex string fails.
  const given = Buffer.from(String(info.signature));
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'invalid';
}
