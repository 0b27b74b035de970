import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import type { Calculation } from '../api/types';
import { type ConnectionState, type EventSourceLike, type EventStream, openEventStream } from './eventStream';

/**
 * A real SSE endpoint on a free loopback port. It can refuse connections (as an api replica that is
 * down behind nginx would, with 502/503), drop the open ones, and push calculations.
 */
async function startSseServer() {
  const open = new Set<ServerResponse>();
  let refusing = 0;
  let connections = 0;
  const server = createServer((_request, response) => {
    connections += 1;
    if (refusing > 0) {
      refusing -= 1;
      response.writeHead(503).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    response.write('event: ready\ndata: {}\n\n');
    open.add(response);
    response.on('close', () => open.delete(response));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/events`,
    get connections() {
      return connections;
    },
    get open() {
      return open.size;
    },
    send(event: string, data: string) {
      for (const response of open) response.write(`event: ${event}\ndata: ${data}\n\n`);
    },
    /** Ends every open stream the way a crashed replica does: the socket just goes away. */
    drop() {
      for (const response of open) response.socket?.destroy();
    },
    refuseNext(count: number) {
      refusing = count;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const calculation = (index: number): Calculation => ({
  index,
  status: 'done',
  exact: true,
  digits: 1,
  head: '1',
  tail: '1',
  durationMs: 0.01,
  createdAt: '2026-11-22T05:00:00.000Z',
  completedAt: '2026-11-22T05:00:00.001Z',
  error: null,
});

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function connect() {
  const server = await startSseServer();
  cleanup.push(server.close);
  const states: ConnectionState[] = [];
  const received: number[] = [];
  const submitted: string[] = [];
  let ready = 0;
  const stream: EventStream = openEventStream({
    url: server.url,
    backoff: { initialMs: 40, maxMs: 160 },
    random: () => 1,
    createSource: (url) => new EventSource(url) as unknown as EventSourceLike,
    onCalculation: (c) => received.push(c.index),
    onSubmission: (s) => submitted.push(s.id),
    onReady: () => (ready += 1),
    onStateChange: (state) => states.push(state),
  });
  cleanup.push(() => stream.close());
  const live = () => states.at(-1)?.kind === 'live';
  return { server, stream, states, received, submitted, live, ready: () => ready };
}

describe('the event stream', () => {
  it('goes live on ready and delivers calculations and submissions', async () => {
    const { server, states, received, submitted, live, ready } = await connect();
    await waitFor(live, 'the stream to go live');
    expect(states.map((s) => s.kind)).toEqual(['connecting', 'live']);
    expect(ready()).toBe(1);

    server.send('calculation', JSON.stringify(calculation(90)));
    server.send('calculation', 'not json');
    server.send('calculation', JSON.stringify({ index: 'x', status: 'done' }));
    server.send('calculation', JSON.stringify(calculation(91)));
    await waitFor(() => received.length === 2, 'two calculations');
    expect(received).toEqual([90, 91]);

    server.send('submission', JSON.stringify({ id: '17', index: 90 }));
    server.send('submission', JSON.stringify({ id: '18', index: 90, createdAt: '2026-11-22T05:00:00.000Z' }));
    await waitFor(() => submitted.length === 1, 'a submission');
    expect(submitted).toEqual(['18']);
  });

  it('reconnects after the connection drops and asks for a catch-up', async () => {
    const { server, states, received, live, ready } = await connect();
    await waitFor(live, 'the first connection');

    server.drop();
    await waitFor(() => states.at(-1)?.kind === 'retrying', 'the drop to be noticed');
    await waitFor(live, 'the reconnection');
    expect(ready()).toBe(2);
    expect(server.connections).toBe(2);
    expect(server.open).toBe(1);

    server.send('calculation', JSON.stringify(calculation(7)));
    await waitFor(() => received.length === 1, 'an event on the new connection');
  });

  it('backs off longer after each refused attempt and resets once live', async () => {
    const { server, states, live } = await connect();
    await waitFor(live, 'the first connection');
    server.refuseNext(3);
    const droppedAt = Date.now();
    server.drop();
    await waitFor(() => server.connections === 5 && live(), 'recovery after three refusals');

    const retries = states.filter((s) => s.kind === 'retrying');
    expect(retries.map((s) => s.attempt)).toEqual([1, 2, 3, 4]);
    const delays = retries.map((s) => s.retryAt);
    // With the random factor at 1, each wait is the full step: 40, 80, 160 and then capped at 160 ms.
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(40 + 80 + 160 + 160 - 20);
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(server.connections).toBe(5);

    server.drop();
    await waitFor(() => states.at(-1)?.kind === 'retrying', 'the next drop');
    expect(states.at(-1)).toMatchObject({ kind: 'retrying', attempt: 1 });
  });

  it('reconnects at once when asked instead of waiting out the backoff', async () => {
    const server = await startSseServer();
    cleanup.push(server.close);
    const states: ConnectionState[] = [];
    const stream = openEventStream({
      url: server.url,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      createSource: (url) => new EventSource(url) as unknown as EventSourceLike,
      onCalculation: () => undefined,
      onSubmission: () => undefined,
      onReady: () => undefined,
      onStateChange: (state) => states.push(state),
    });
    cleanup.push(() => stream.close());
    await waitFor(() => states.at(-1)?.kind === 'live', 'the first connection');
    server.drop();
    await waitFor(() => states.at(-1)?.kind === 'retrying', 'the drop');
    stream.reconnectNow();
    await waitFor(() => states.at(-1)?.kind === 'live', 'the immediate reconnection');
  });

  it('closes a stream that looks open when told the connection is lost, and retries it', async () => {
    const { server, stream, states, live } = await connect();
    await waitFor(live, 'the first connection');
    stream.interrupt();
    expect(states.at(-1)).toMatchObject({ kind: 'retrying', attempt: 1 });
    await waitFor(() => server.connections === 2 && live(), 'the reconnection');
    await waitFor(() => server.open === 1, 'the old stream to close');
  });

  it('gives its connection back while paused, and catches up when resumed', async () => {
    const { server, stream, states, live, ready } = await connect();
    await waitFor(live, 'the first connection');
    stream.pause();
    expect(states.at(-1)).toEqual({ kind: 'paused' });
    await waitFor(() => server.open === 0, 'the stream to close');
    // Neither a retry nor a request to reconnect opens it while paused.
    stream.reconnectNow();
    stream.interrupt();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(server.connections).toBe(1);
    stream.resume();
    await waitFor(() => live() && ready() === 2, 'the resumed connection and its catch-up');
    expect(server.connections).toBe(2);
  });

  it('stops for good when closed', async () => {
    const { server, stream, live } = await connect();
    await waitFor(live, 'the first connection');
    server.drop();
    stream.close();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(server.connections).toBe(1);
  });
});
