import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createBlockingRedis, createCommandRedis, onReconnect, whenConnected, whenReady } from '../src/lib/redis.js';
import { silentLogger } from './support/adapters.js';
import { eventually, redisUrl } from './support/services.js';

/** How the connections meet Redis going away and coming back: what counts as a loss, and when it is over. */
describe('Redis connections', () => {
  const connections: Redis[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    connections.splice(0).forEach((redis) => redis.disconnect());
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });
  const open = (create: typeof createCommandRedis, url = redisUrl, logger = silentLogger) => {
    const redis = create(url, logger);
    connections.push(redis);
    return redis;
  };

  /** A ready connection, and a way to drop it as Redis does (a restart, a network fault). */
  async function droppable() {
    const redis = await whenReady(open(createBlockingRedis));
    const id = await redis.client('ID');
    const admin = await whenReady(open(createCommandRedis));
    return { redis, drop: () => admin.client('KILL', 'ID', id) };
  }

  /** A port where Redis answers only once `open` is called: until then, every attempt is refused. */
  async function lateRedis() {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const target = new URL(redisUrl);
    return {
      url: `redis://127.0.0.1:${port}`,
      async open() {
        const sockets = new Set<Socket>();
        const proxy = createServer((client) => {
          const upstream = connect(Number(target.port || 6379), target.hostname);
          for (const socket of [client, upstream]) {
            sockets.add(socket);
            socket.on('error', () => {}).on('close', () => sockets.delete(socket));
          }
          client.pipe(upstream).pipe(client);
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
        });
        proxy.on('close', () => sockets.forEach((socket) => socket.destroy()));
        servers.push(proxy);
        proxy.listen(port, '127.0.0.1');
        await once(proxy, 'listening');
      },
    };
  }

  it('tells of a connection back after it was closed, once per loss, and not of its first ready', async () => {
    const redis = open(createBlockingRedis);
    let reconnects = 0;
    onReconnect(redis, () => reconnects++);
    await whenConnected(redis);
    expect(reconnects).toBe(0);
    const admin = await whenReady(open(createCommandRedis));
    for (const expected of [1, 2]) {
      // Each connection has an id of its own: the one after a reconnection is a new one.
      await admin.client('KILL', 'ID', await redis.client('ID'));
      await eventually(() => (reconnects === expected ? true : undefined));
    }
    await redis.ping();
    expect(reconnects).toBe(2);
  });

  it('counts only connection errors as a loss with lostOn: error, which a drop that reconnects at once raises none of', async () => {
    const { redis, drop } = await droppable();
    let closedReconnects = 0;
    let erroredReconnects = 0;
    onReconnect(redis, () => closedReconnects++);
    onReconnect(redis, () => erroredReconnects++, { lostOn: 'error' });
    await drop();
    await eventually(() => (closedReconnects === 1 ? true : undefined));
    expect(erroredReconnects).toBe(0);
  });

  it('logs an outage once when it starts and once when it ends, the first connection counting when it failed at first', async () => {
    const redis = await lateRedis();
    const lines: Array<{ msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const connection = open(createBlockingRedis, redis.url, logger);
    // Several attempts are refused while nothing listens (they are 200, 400, 600 ms apart).
    await eventually(() => (lines.length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 700));
    await redis.open();
    await whenConnected(connection);
    expect(lines.map((line) => line.msg)).toEqual(['redis connection lost', 'redis connection restored']);
  });
});
