/**
 * The queue, the event bus and the cache: on Redis when REDIS_URL is set, in process otherwise. Also says
 * when Redis may have lost what it held, so that what was kept there can be sent again.
 */
import type { Redis } from 'ioredis';
import type { CalculationCache } from './cache/cache.js';
import { MemoryCache } from './cache/memory.cache.js';
import { RedisCache } from './cache/redis.cache.js';
import { SHUTDOWN_CLOSE_MS, type Config } from './config.js';
import type { EventBus } from './events/bus.js';
import { MemoryEventBus } from './events/memory.bus.js';
import { RedisEventBus } from './events/redis.bus.js';
import { BullmqQueue } from './jobs/bullmq.queue.js';
import { MemoryQueue } from './jobs/memory.queue.js';
import type { JobQueue } from './jobs/types.js';
import type { Logger } from './lib/logger.js';
import { createBlockingRedis, createCommandRedis, onReconnect, whenReady } from './lib/redis.js';

export interface Messaging {
  /** The command connection, when Redis is used. */
  redis?: Redis;
  queue: JobQueue;
  events: EventBus;
  cache: CalculationCache;
  /**
   * Calls `listener` each time Redis may have lost what it held: its connection came back after it was
   * lost, or a worker found it emptied under a live connection.
   */
  onReconnect(listener: () => void): void;
  close(): Promise<void>;
}

export async function openMessaging(config: Config, logger: Logger): Promise<Messaging> {
  const queueOptions = { attempts: config.JOB_ATTEMPTS, closeTimeoutMs: config.SHUTDOWN_TIMEOUT_MS - SHUTDOWN_CLOSE_MS };
  if (!config.REDIS_URL) {
    const [queue, events, cache] = [new MemoryQueue(queueOptions), new MemoryEventBus(), new MemoryCache()];
    return { queue, events, cache, onReconnect: () => {}, close: () => closeAll(queue, events, cache) };
  }
  const url = config.REDIS_URL;
  const connections: Redis[] = [];
  const connect = (open: typeof createCommandRedis) => {
    const redis = open(url, logger);
    connections.push(redis);
    return redis;
  };
  // Commands fail fast rather than queue while Redis is away: start once it answers. Redis down at start
  // stops the process, as Postgres down does, and the orchestrator starts it again.
  const commands = await whenReady(connect(createCommandRedis));
  const queue = new BullmqQueue({
    ...queueOptions,
    connection: commands,
    createWorkerConnection: () => connect(createBlockingRedis),
    prefix: config.QUEUE_PREFIX,
    lockMs: config.JOB_LOCK_MS,
    logger,
  });
  const events = new RedisEventBus(commands, connect(createBlockingRedis), `${config.QUEUE_PREFIX}:events`, logger);
  const cache = new RedisCache(commands, config.QUEUE_PREFIX);
  const reconnectListeners: Array<() => void> = [];
  const mayHaveLost = () => reconnectListeners.forEach((listener) => listener());
  onReconnect(commands, mayHaveLost);
  queue.onEmptied(() => {
    logger.warn('redis lost what it held (emptied under a live connection): schedules declared and unfinished work sent again');
    mayHaveLost();
  });
  return {
    redis: commands,
    queue,
    events,
    cache,
    onReconnect: (listener) => reconnectListeners.push(listener),
    async close() {
      await closeAll(queue, events, cache);
      await Promise.allSettled(connections.map((redis) => redis.quit()));
    },
  };
}

async function closeAll(...closables: Array<{ close(): Promise<void> }>): Promise<void> {
  await Promise.allSettled(closables.map((closable) => closable.close()));
}
