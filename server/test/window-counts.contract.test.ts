import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { adapterKinds, createAdapters, type Adapters } from './support/adapters.js';

describe.each(adapterKinds)('amounts counted per key over a window: %s', (kind) => {
  let adapters: Adapters;
  afterEach(() => adapters.cleanup());

  it('counts each key apart, in a window that opens with the first amount and is not extended', async () => {
    adapters = createAdapters(kind);
    // Two counters on one store: two api replicas.
    const [first, second] = [await adapters.windowCounts(2_000), await adapters.windowCounts(2_000)];
    expect(await first.get('198.51.100.7')).toEqual({ count: 0, resetsInMs: 0 });
    await first.add('198.51.100.7');
    await sleep(300);
    await (kind === 'redis' ? second : first).add('198.51.100.7', 40);
    await first.add('203.0.113.9');
    const seen = await first.get('198.51.100.7');
    expect(seen.count).toBe(41);
    // Opened by the first amount, 300 ms ago: the second did not restart it.
    expect(seen.resetsInMs).toBeGreaterThan(0);
    expect(seen.resetsInMs).toBeLessThanOrEqual(1_750);
    expect((await first.get('203.0.113.9')).count).toBe(1);
    if (kind === 'redis') expect((await second.get('198.51.100.7')).count).toBe(41);

    // An add answers the count with it, and an amount can be taken back.
    expect(await first.add('203.0.113.9', 2)).toMatchObject({ count: 3 });
    await first.remove('203.0.113.9');
    expect((await first.get('203.0.113.9')).count).toBe(2);

    // A window whose amounts were all taken back closes: the next amount opens a window of its own.
    await first.add('192.0.2.8', 2);
    await sleep(300);
    await first.remove('192.0.2.8', 2);
    expect(await first.get('192.0.2.8')).toEqual({ count: 0, resetsInMs: 0 });
    expect((await first.add('192.0.2.8')).resetsInMs).toBeGreaterThan(1_900);

    // Once the window is over, the count starts again, and taking back opens none.
    await first.remove('192.0.2.1');
    expect(await first.get('192.0.2.1')).toEqual({ count: 0, resetsInMs: 0 });
    await sleep(seen.resetsInMs + 50);
    expect(await first.get('198.51.100.7')).toEqual({ count: 0, resetsInMs: 0 });
    await first.add('198.51.100.7');
    expect((await first.get('198.51.100.7')).count).toBe(1);
  });
});
