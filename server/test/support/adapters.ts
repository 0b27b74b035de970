/** Each adapter under test, built the way runtime.ts builds it, so contract tests run on both. */
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { MemoryCache } from '../../src/cache/memory.cache.js';
import { RedisCache } from '../../src/cache/redis.cache.js';
import { MemoryEventBus } from '../../src/events/memory.bus.js';
import { RedisEventBus } from '../../src/events/redis.bus.js';
import { BullmqQueue } from '../../src/jobs/bullmq.queue.js';
import { MemoryQueue } from '../../src/jobs/memory.queue.js';
import { createBlockingRedis, createCommandRedis, whenReady } from '../../src/lib/redis.js';
import { MemoryWindowCounts, RedisWindowCounts, type WindowCounts } from '../../src/lib/window-counts.js';
import { redisNamespace, redisUrl } from './services.js';

export const silentLogger = pino({ level: 'silent' });

export interface Adapters {
  /** A queue whose jobs have `attempts` tries, and whose stopWorking waits `closeTimeoutMs` for running ones. */
  queue(attempts: number, closeTimeoutMs?: number, logger?: Logger): Promise<BullmqQueue | MemoryQueue>;
  events(): Promise<RedisEventBus | MemoryEventBus>;
  cache(): Promise<RedisCache | MemoryCache>;
  /** Amounts counted per key in windows of `windowMs`. */
  windowCounts(windowMs: number): Promise<WindowCounts>;
  /** Connections Redis counts as subscribed to the event channel; undefined in process (no server to ask). */
  eventSubscribers(): Promise<number | undefined>;
  /** The server's pub/sub connections, one `CLIENT LIST` line each, for a failure message. */
  describeSubscribers(): Promise<string>;
  /** Closes every connection the adapters opened and removes their keys. */
  cleanup(): Promise<void>;
}

export const adapterKinds = ['memory', 'redis'] as const;

export function createAdapters(kind: (typeof adapterKinds)[number]): Adapters {
  if (kind === 'memory') {
    return {
      queue: async (attempts, closeTimeoutMs = 5_000) => new MemoryQueue({ attempts, closeTimeoutMs }),
      events: async () => new MemoryEventBus(),
      cache: async () => new MemoryCache(),
      windowCounts: async (windowMs) => new MemoryWindowCounts(windowMs),
      eventSubscribers: async () => undefined,
      describeSubscribers: async () => 'in process',
      cleanup: async () => {},
    };
  }
  const namespace = redisNamespace();
  const connections: Redis[] = [];
  const open = (create: typeof createCommandRedis) => {
    const redis = create(redisUrl, silentLogger);
    connections.push(redis);
    return redis;
  };
  const command = () => whenReady(open(createCommandRedis));
  const channel = `${namespace.prefix}:events`;
  // One connection for asking the server about its subscribers, however often a test asks.
  let inspector: Promise<Redis> | undefined;
  const inspect = () => (inspector ??= command());
  return {
    queue: async (attempts, closeTimeoutMs = 5_000, logger = silentLogger) =>
      new BullmqQueue({
        attempts,
        closeTimeoutMs,
        connection: await command(),
        createWorkerConnection: () => open(createBlockingRedis),
        prefix: namespace.prefix,
        lockMs: 5_000,
        logger,
      }),
    events: async () => new RedisEventBus(await command(), open(createBlockingRedis), channel, silentLogger),
    cache: async () => new RedisCache(await command(), namespace.prefix),
    windowCounts: async (windowMs) => new RedisWindowCounts(await command(), `${namespace.prefix}:counts`, windowMs),
    async eventSubscribers() {
      const [, count] = (await (await inspect()).pubsub('NUMSUB', channel)) as [string, number];
      return Number(count);
    },
    async describeSubscribers() {
      return String(await (await inspect()).call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    },
    async cleanup() {
      connections.forEach((redis) => redis.disconnect());
      await namespace.clean();
    },
  };
}
