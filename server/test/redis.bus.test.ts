import { once } from 'node:events';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStreamHub } from '../src/api/event-stream.js';
import { RedisEventBus } from '../src/events/redis.bus.js';
import { createBlockingRedis, createCommandRedis, whenConnected, whenReady } from '../src/lib/redis.js';
import { silentLogger } from './support/adapters.js';
import { eventually, redisNamespace, redisUrl } from './support/services.js';

/** What the event bus contract cannot show on both adapters: how the Redis one meets its connection's life. */
describe('Redis event bus', () => {
  const connections: Redis[] = [];
  afterEach(() => connections.splice(0).forEach((redis) => redis.disconnect()));
  const open = (create: typeof createBlockingRedis, url = redisUrl) => {
    const redis = create(url, silentLogger);
    connections.push(redis);
    return redis;
  };

  it('delivers to a subscription asked for while its connection was still in the handshake', async () => {
    const channel = `${redisNamespace().prefix}:events`;
    const publisher = await whenReady(open(createCommandRedis));
    const subscriber = open(createBlockingRedis);
    // Connected, but not yet ready: the connection's own handshake commands are under way.
    await once(subscriber, 'connect');
    const bus = new RedisEventBus(publisher, subscriber, channel, silentLogger);
    const received: number[] = [];
    await bus.subscribe((event) => received.push(event.data.index));
    await whenConnected(subscriber);
    await bus.publish({ type: 'submission', data: { id: '1', index: 7, createdAt: '2026-01-01T00:00:00.000Z' } });
    await eventually(() => (received.length > 0 ? true : undefined)).catch(() => {});
    expect(received).toEqual([7]);
    await bus.close();
  });

  /** A bus on ready connections, and a way to drop its subscriber's as Redis does (a restart, a network fault). */
  async function droppableBus() {
    const channel = `${redisNamespace().prefix}:events`;
    const publisher = await whenReady(open(createCommandRedis));
    const subscriber = await whenReady(open(createBlockingRedis));
    const id = await subscriber.client('ID');
    const bus = new RedisEventBus(publisher, subscriber, channel, silentLogger);
    return { bus, channel, publisher, dropSubscriber: () => publisher.client('KILL', 'ID', id) };
  }

  it('tells a subscriber its connection was lost and is back, and still delivers after it', async () => {
    const { bus, dropSubscriber } = await droppableBus();
    const received: number[] = [];
    let missed = 0;
    let changes = 0;
    await bus.subscribe((event) => received.push(event.data.index), () => missed++);
    await bus.onChange(() => changes++);
    // Messages published while the connection is away are lost.
    await dropSubscriber();
    await eventually(() => (missed > 0 ? true : undefined));
    expect(missed).toBe(1);
    expect(changes).toBe(1);
    await bus.publish({ type: 'submission', data: { id: '2', index: 8, createdAt: '2026-01-01T00:00:00.000Z' } });
    await eventually(() => (received.length > 0 ? true : undefined));
    expect(received).toEqual([8]);
    await bus.close();
  });

  it('ends the event streams of a hub whose bus missed events, so that their clients catch up', async () => {
    const { bus, channel, publisher, dropSubscriber } = await droppableBus();
    const hub = new EventStreamHub(bus, 10);
    const server = createServer((request, response) => hub.add(response, request.socket.remoteAddress ?? ''));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const stream = await new Promise<IncomingMessage>((resolve, reject) => get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, resolve).on('error', reject));
      stream.resume();
      await eventually(async () => ((await publisher.pubsub('NUMSUB', channel))[1] === 1 ? true : undefined));
      const ended = once(stream, 'end');
      await dropSubscriber();
      await ended;
      expect(hub.size).toBe(0);
    } finally {
      hub.close();
      await bus.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('fails a subscription still waiting for Redis when the bus closes', async () => {
    const publisher = open(createCommandRedis, 'redis://127.0.0.1:1');
    const bus = new RedisEventBus(publisher, open(createBlockingRedis, 'redis://127.0.0.1:1'), 'events', silentLogger);
    const subscribed = bus.subscribe(() => {});
    await bus.close();
    await expect(subscribed).rejects.toThrow('Connection is closed.');
  });
});
