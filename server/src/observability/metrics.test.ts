import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';

const sample = (text: string, name = 'backup_newest_timestamp_seconds') => text.split('\n').find((line) => line.startsWith(`${name}{`));

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
    let body = (await metrics.render()).body;
    expect(sample(body)).toBeUndefined();
    // The store's failure has a series of its own, so that an alert sees a store wrong from the start.
    expect(sample(body, 'backup_store_up')).toBe('backup_store_up{location="s3://backups",role="worker"} 0');
    read = async () => new Date(1_000_000);
    expect(sample((await metrics.render()).body, 'backup_store_up')).toBe('backup_store_up{location="s3://backups",role="worker"} 1');
    // A store that never answers: the scrape goes on after its 2 s, with the value it had.
    read = () => new Promise(() => {});
    body = (await metrics.render()).body;
    expect(sample(body)).toBe('backup_newest_timestamp_seconds{location="s3://backups",role="worker"} 1000');
    expect(sample(body, 'backup_store_up')).toBe('backup_store_up{location="s3://backups",role="worker"} 0');
  });

  it('lists the store once for both of its series', async () => {
    let reads = 0;
    const metrics = new Metrics({ role: 'worker' }, { newestBackup: { location: '/backups', read: async () => {
          reads++;
          return undefined;
        } } });
    const body = (await metrics.render()).body;
    expect([sample(body), sample(body, 'backup_store_up')]).toEqual(['backup_newest_timestamp_seconds{location="/backups",role="worker"} 0', 'backup_store_up{location="/backups",role="worker"} 1']);
    expect(reads).toBe(1);
  });
});

describe('queue_paused', () => {
  it('counts the queues paused from outside, and keeps the last count while the queue cannot be read', async () => {
    let paused: () => Promise<string[]> = async () => [];
    const metrics = new Metrics({ role: 'api' }, { pausedQueues: () => paused() });
    const sample = async () => (await metrics.render()).body.split('\n').find((line) => line.startsWith('queue_paused'));
    expect(await sample()).toBe('queue_paused{role="api"} 0');
    paused = async () => ['calculations'];
    expect(await sample()).toBe('queue_paused{role="api"} 1');
    paused = () => Promise.reject(new Error('Connection is closed.'));
    expect(await sample()).toBe('queue_paused{role="api"} 1');
  });
});
