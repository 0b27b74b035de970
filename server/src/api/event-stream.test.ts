import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../events/bus.js';
import { MemoryEventBus } from '../events/memory.bus.js';
import type { CalculationView } from '../services/calculation.view.js';
import { EventStreamHub } from './event-stream.js';

const submission = (id: number): AppEvent => ({ type: 'submission', data: { id: String(id), index: id, createdAt: '2026-01-01T00:00:00.000Z' } });
const calculation = (index: number, status: CalculationView['status']): AppEvent => ({
  type: 'calculation',
  data: { index, status, exact: true, digits: null, head: null, tail: null, durationMs: null, createdAt: '2026-01-01T00:00:00.000Z', completedAt: null, error: null },
});
/** Each chunk written to each stream, as the types of the events in it. */
const eventTypes = (writes: string[][]) => writes.map((chunks) => chunks.map((chunk) => chunk.match(/^event: \w+$/gm)?.join(',')));
const frameData = (frame: string) => JSON.parse(frame.split('data: ')[1]!) as { index: number; status?: string };

/** A hub behind a real HTTP server; `writes` records every chunk the server wrote to each stream. */
async function streamHub() {
  const bus = new MemoryEventBus();
  const hub = new EventStreamHub(bus, 10);
  const writes: string[][] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: string[] = [];
    writes.push(chunks);
    const write = response.write.bind(response) as (chunk: string) => boolean;
    response.write = ((chunk: string) => (chunks.push(String(chunk)), write(chunk))) as typeof response.write;
    hub.add(response, request.socket.remoteAddress ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { bus, hub, server, writes, url };
}

/** A stream's frames as they arrive; `waitFor(n)` resolves once n have. */
async function open(url: string) {
  const frames: string[] = [];
  const arrivals = new EventTarget();
  const response = await new Promise<IncomingMessage>((resolve, reject) => get(url, resolve).on('error', reject));
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    text += chunk;
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      frames.push(text.slice(0, end));
      text = text.slice(end + 2);
    }
    arrivals.dispatchEvent(new Event('frames'));
  });
  const waitFor = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => frames.length >= count && (arrivals.removeEventListener('frames', check), resolve());
      arrivals.addEventListener('frames', check);
      check();
    });
  await waitFor(1);
  return { frames, waitFor, close: () => response.destroy() };
}

describe('EventStreamHub', () => {
  let server: Server | undefined;
  let hub: EventStreamHub | undefined;
  afterEach(async () => {
    hub?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('writes the events of one bus message to each client in one chunk, in order', async () => {
    const setup = await streamHub();
    ({ server, hub } = setup);
    const streams = await Promise.all([open(setup.url), open(setup.url)]);

    await setup.bus.publish(submission(1), submission(2), submission(3));
    await Promise.all(streams.map((stream) => stream.waitFor(4)));

    for (const stream of streams) {
      expect(stream.frames[0]).toContain('event: ready');
      expect(stream.frames.slice(1).map((frame) => JSON.parse(frame.split('data: ')[1]!).index)).toEqual([1, 2, 3]);
      stream.close();
    }
    // Each stream was written twice: its `ready` frame, then the three events together.
    expect(setup.writes.map((chunks) => chunks.map((chunk) => chunk.match(/^event: \w+$/gm)?.length))).toEqual([
      [1, 3],
      [1, 3],
    ]);
  });

  it('writes each small message at once, on its own', async () => {
    const setup = await streamHub();
    ({ server, hub } = setup);
    const stream = await open(setup.url);

    await setup.bus.publish(submission(1), calculation(1, 'queued'));
    await stream.waitFor(3);
    await setup.bus.publish(calculation(1, 'done'));
    await stream.waitFor(4);

    expect(eventTypes(setup.writes)).toEqual([['event: ready', 'event: submission,event: calculation', 'event: calculation']]);
    expect(stream.frames.slice(2).map(frameData).map(({ status }) => status)).toEqual(['queued', 'done']);
    stream.close();
  });

  it('under load, gathers the messages that follow a large one into one write, each calculation in its latest state', async () => {
    const setup = await streamHub();
    ({ server, hub } = setup);
    const stream = await open(setup.url);

    await setup.bus.publish(...Array.from({ length: 10 }, (_, i) => submission(i)));
    await stream.waitFor(11);
    // Three messages within the pause that follows: one write, calculation 5 once, where it came first.
    await setup.bus.publish(calculation(5, 'queued'), submission(10));
    await setup.bus.publish(calculation(5, 'done'), calculation(6, 'queued'));
    await setup.bus.publish(submission(11));
    await stream.waitFor(15);

    expect(setup.writes[0]!.length).toBe(3);
    expect(stream.frames.slice(11).map(frameData)).toMatchObject([{ index: 5, status: 'done' }, { index: 10 }, { index: 6, status: 'queued' }, { index: 11 }]);
    stream.close();
  });
});
