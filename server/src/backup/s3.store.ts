import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { format } from 'node:util';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { BACKUP_NAME, MANIFEST_SUFFIX, newestFirst, type BackupInfo, type BackupStore } from './store.js';

type S3Settings = Pick<
  Config,
  'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_FORCE_PATH_STYLE' | 'BACKUP_S3_PREFIX'
> & { BACKUP_S3_BUCKET: string };

/**
 * Backups in an S3-compatible bucket. An object appears only once its upload is complete, so a backup
 * needs no temporary name there; its manifest is uploaded after it and is what makes it listed.
 */
export class S3Store implements BackupStore {
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(settings: S3Settings, logger: Logger) {
    this.bucket = settings.BACKUP_S3_BUCKET;
    this.prefix = settings.BACKUP_S3_PREFIX;
    this.location = `s3://${this.bucket}/${this.prefix}`;
    this.client = new S3Client({
      endpoint: settings.S3_ENDPOINT,
      region: settings.S3_REGION,
      forcePathStyle: settings.S3_FORCE_PATH_STYLE,
      // The SDK's default trailing checksums (aws-chunked uploads) are not understood by every
      // S3-compatible server, which then stores the chunk framing as data; the backup's own SHA-256
      // in its manifest guards its integrity instead.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials:
        settings.S3_ACCESS_KEY_ID && settings.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: settings.S3_ACCESS_KEY_ID, secretAccessKey: settings.S3_SECRET_ACCESS_KEY }
          : undefined,
      logger: sdkLogger(logger),
    });
  }

  async put(file: string, info: BackupInfo): Promise<void> {
    const { size } = await stat(file);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key(info.name), Body: createReadStream(file), ContentLength: size }),
    );
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(`${info.name}${MANIFEST_SUFFIX}`),
        Body: JSON.stringify(info),
        ContentType: 'application/json',
      }),
    );
  }

  async list(): Promise<BackupInfo[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }));
      for (const { Key } of page.Contents ?? []) {
        const name = Key?.slice(this.prefix.length, -MANIFEST_SUFFIX.length);
        if (Key?.endsWith(MANIFEST_SUFFIX) && name && BACKUP_NAME.test(name)) names.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const infos = await Promise.all(names.map((name) => this.manifest(name)));
    return newestFirst(infos.filter((info): info is BackupInfo => info !== undefined));
  }

  async fetch(name: string, file: string): Promise<BackupInfo | undefined> {
    const info = await this.manifest(name);
    if (!info) return undefined;
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(name) })).catch((error: { name?: string }) => {
      if (error.name === 'NoSuchKey') return undefined;
      throw error;
    });
    if (object) await pipeline(object.Body as Readable, createWriteStream(file));
    return info;
  }

  async remove(name: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(`${name}${MANIFEST_SUFFIX}`) }));
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
  }

  private async manifest(name: string): Promise<BackupInfo | undefined> {
    if (!BACKUP_NAME.test(name)) return undefined;
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(`${name}${MANIFEST_SUFFIX}`) }));
      return JSON.parse(await object.Body!.transformToString()) as BackupInfo;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  private key(name: string): string {
    return `${this.prefix}${name}`;
  }
}

/**
 * The SDK's log, in the service's: its warnings and errors as JSON lines (without a logger it writes
 * some to the console, as plain text), and not its record of every command (info and below).
 */
function sdkLogger(logger: Logger): NonNullable<S3ClientConfig['logger']> {
  const write =
    (level: 'warn' | 'error') =>
    (...content: unknown[]) =>
      logger[level]({ source: 's3' }, format(...content));
  return { trace() {}, debug() {}, info() {}, warn: write('warn'), error: write('error') };
}
