import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { lockDataDir } from './data-dir-lock.js';

describe('lockDataDir', () => {
  it('releases the folder at the stop, for the next process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fibstack-lock-'));
    const unlock = await lockDataDir(dir, () => {});
    await unlock();
    const started = Date.now();
    await (await lockDataDir(dir, () => {}))();
    expect(Date.now() - started).toBeLessThan(1_000);
    await rm(dir, { recursive: true });
  });

  it('tells of a lock lost under it, and does not release it again at the stop', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fibstack-lock-'));
    const onLost = vi.fn();
    const unlock = await lockDataDir(dir, onLost);
    await rm(join(dir, 'pglite.lock'), { recursive: true });
    // Noticed at the holder's next refresh of the lock, within half its stale time.
    await vi.waitFor(() => expect(onLost).toHaveBeenCalledOnce(), { timeout: 15_000, interval: 100 });
    await expect(unlock()).resolves.toBeUndefined();
    await (await lockDataDir(dir, () => {}))();
    await rm(dir, { recursive: true });
  }, 20_000);
});
