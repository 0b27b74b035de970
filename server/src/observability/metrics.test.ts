import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';

const sample = (text: string) => text.split('\n').find((line) => line.startsWith('backup_newest_timestamp_seconds{'));

describe('backup_newest_timestamp_seconds', () => {
  it('says when the newest backup was made, and 0 when there is none', async () => {
    let newest: Date | undefined;
    const metrics = new Metrics({ role: 'worker' }, { newestBackup: { location: '/backups', read: async () => newest } });
    expect(sample((await metrics.render()).body)).toBe('backup_newest_timestamp_seconds{location="/backups",role="worker"} 0');
    newest = new Date('2026-12-07T03:00:00Z');
    expect(sample((await metrics.render()).body)).toBe(`backup_newest_timestamp_seconds{location="/backups",role="worker"} ${newest.getTime() / 1_000}`);
  });

  it('keeps the last value read while the store fails or hangs, and has none before the first', async () => {
    let read: () => Promise<Date | undefined> = () => Promise.reject(new Error('unreachable'));
    const metrics = new Metrics({ role: 'worker' }, { newestBackup: { location: 's3://backups', read: () => read() } });
    expect(sample((await metrics.render()).body)).toBeUndefined();
    read = async () => new Date(1_000_000);
    await metrics.render();
    // A store that never answers: the scrape goes on after its 2 s, with the value it had.
    read = () => new Promise(() => {});
    expect(sample((await metrics.render()).body)).toBe('backup_newest_timestamp_seconds{location="s3://backups",role="worker"} 1000');
  });
});
