import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
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

  it('fails a subscription still waiting for Redis when the bus closes', async () => {
    const publisher = open(createCommandRedis, 'redis://127.0.0.1:1');
    const bus = new RedisEventBus(publisher, open(createBlockingRedis, 'redis://127.0.0.1:1'), 'events', silentLogger);
    const subscribed = bus.subscribe(() => {});
    await bus.close();
    await expect(subscribed).rejects.toThrow('Connection is closed.');
  });
});
