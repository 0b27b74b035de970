import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../src/events/bus.js';
import type { CalculationView } from '../src/services/calculation.view.js';
import { adapterKinds, createAdapters, type Adapters } from './support/adapters.js';
import { eventually } from './support/services.js';

const view = (index: number): CalculationView => ({
  index,
  status: 'done',
  exact: true,
  digits: 1,
  head: '5',
  tail: '5',
  durationMs: 0.1,
  createdAt: '2026-01-01T00:00:00.000Z',
  completedAt: '2026-01-01T00:00:00.001Z',
  error: null,
});

describe.each(adapterKinds)('event bus and cache contract: %s', (kind) => {
  let adapters: Adapters;
  afterEach(() => adapters.cleanup());

  it('delivers every published event to every subscriber, in order', async () => {
    adapters = createAdapters(kind);
    const [publisher, first, second] = await Promise.all([adapters.events(), adapters.events(), adapters.events()]);
    const bus = kind === 'memory' ? publisher : undefined;
    const received: [AppEvent[], AppEvent[]] = [[], []];
    await (bus ?? first).subscribe((event) => received[0].push(event));
    await (bus ?? second).subscribe((event) => received[1].push(event));
    // Pub/sub delivers to the subscriptions live on the server when a message is published: both are,
    // as the server counts them, before the first publish.
    await eventually(async () => ((await adapters.eventSubscribers()) ?? 2) >= 2 || undefined).catch(async (error: Error) => {
      throw new Error(`${error.message}: subscribers ${await adapters.eventSubscribers()}; pub/sub clients:\n${await adapters.describeSubscribers()}`);
    });
    for (let index = 0; index < 5; index++) await publisher.publish({ type: 'calculation', data: view(index) });
    // Several in one message, then none at all.
    await publisher.publish(...[5, 6, 7, 8, 9].map((index): AppEvent => ({ type: 'calculation', data: view(index) })));
    await publisher.publish();
    // Waited for, then compared whole: a failure shows what each subscriber did get.
    await eventually(() => (received[0].length >= 10 && received[1].length >= 10 ? true : undefined)).catch(() => {});
    for (const events of received) expect(events.map((event) => event.data.index)).toEqual([...Array(10).keys()]);
    await Promise.all([publisher.close(), first.close(), second.close()]);
  });

  it('stops delivering to a listener that unsubscribed', async () => {
    adapters = createAdapters(kind);
    const bus = await adapters.events();
    const received: AppEvent[] = [];
    const unsubscribe = await bus.subscribe((event) => received.push(event));
    await bus.publish({ type: 'calculation', data: view(1) });
    await eventually(() => (received.length === 1 ? true : undefined));
    unsubscribe();
    await bus.publish({ type: 'calculation', data: view(2) });
    // Time for the event to arrive, were it delivered: the one before came at once.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toHaveLength(1);
    await bus.close();
  });

  it('tells change listeners once per message, without any event listener', async () => {
    adapters = createAdapters(kind);
    const [publisher, subscriber] = await Promise.all([adapters.events(), adapters.events()]);
    const bus = kind === 'memory' ? publisher : subscriber;
    let changes = 0;
    await bus.onChange(() => changes++);
    await publisher.publish(...[1, 2, 3].map((index): AppEvent => ({ type: 'calculation', data: view(index) })));
    await publisher.publish({ type: 'calculation', data: view(4) });
    await publisher.publish();
    await eventually(() => (changes === 2 ? true : undefined));
    // Time for a third call to arrive, were there one: the empty publish makes none.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(changes).toBe(2);
    await Promise.all([publisher.close(), subscriber.close()]);
  });

  it('caches a calculation view and misses an unknown one', async () => {
    adapters = createAdapters(kind);
    const cache = await adapters.cache();
    await cache.set(view(5));
    expect(await cache.get(5)).toEqual(view(5));
    expect(await cache.get(6)).toBeUndefined();
    await cache.close();
  });

  it('forgets every cached view when cleared', async () => {
    adapters = createAdapters(kind);
    const cache = await adapters.cache();
    for (let index = 0; index < 2_500; index++) await cache.set(view(index));
    await cache.clear();
    for (const index of [0, 1_234, 2_499]) expect(await cache.get(index)).toBeUndefined();
    await cache.set(view(7));
    expect(await cache.get(7)).toEqual(view(7));
    await cache.close();
  });
});
