import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

const common: RedisOptions = {
  connectTimeout: 3_000,
  retryStrategy: (times) => Math.min(times * 200, 2_000),
};

/**
 * For commands the API answers with: while Redis is away, fail at once (the API answers 503) rather than
 * queue commands until the client gives up.
 */
export function createCommandRedis(url: string, logger: Logger): Redis {
  return watch(new Redis(url, { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false }), logger);
}

/** For connections that block (BullMQ workers, pub/sub subscribers): wait for Redis to come back instead. */
export function createBlockingRedis(url: string, logger: Logger): Redis {
  return watch(new Redis(url, { ...common, maxRetriesPerRequest: null }), logger);
}

/** Resolves once the connection is ready for commands (an offline-queue-less connection fails before). */
export async function whenReady(redis: Redis): Promise<Redis> {
  if (redis.status !== 'ready') await once(redis, 'ready');
  return redis;
}

/**
 * Resolves once a connection that waits for Redis (createBlockingRedis) is ready, through any number of
 * failed attempts; rejects if the connection is closed first.
 */
export function whenConnected(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const ready = () => {
      redis.off('end', end);
      resolve();
    };
    const end = () => {
      redis.off('ready', ready);
      reject(new Error('Connection is closed.'));
    };
    redis.once('ready', ready).once('end', end);
  });
}

/**
 * Calls `listener` each time the connection is ready again after it was lost. A loss is a closed
 * connection, or with `lostOn: 'error'` only a connection error: a drop that reconnects at the first try
 * raises none. `onLost` hears of each loss once, with what the event carried (the error). The connection's
 * first ready counts only when a loss came before it (it failed to connect at first).
 */
export function onReconnect(
  redis: Redis,
  listener: () => void,
  { lostOn = 'close', onLost }: { lostOn?: 'close' | 'error'; onLost?: (error?: Error) => void } = {},
): void {
  let lost = false;
  redis.on(lostOn, (error?: Error) => {
    if (!lost) onLost?.(error);
    lost = true;
  });
  redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    listener();
  });
}

/** Connection errors are logged once per outage; the commands that hit them report their own failure. */
function watch(redis: Redis, logger: Logger): Redis {
  onReconnect(redis, () => logger.info('redis connection restored'), {
    lostOn: 'error',
    onLost: (error) => logger.warn({ err: error }, 'redis connection lost'),
  });
  return redis;
}
