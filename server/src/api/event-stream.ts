import type { ServerResponse } from 'node:http';
import type { AppEvent, EventBus } from '../events/bus.js';

/** A client further behind than this is dropped; it reconnects and catches up from the lists. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;
/** Tells EventSource how soon to reconnect after a drop. */
const RETRY_MS = 2_000;
/**
 * After a write of this many events (the sign of load: at light load a message carries one to three),
 * the next write waits until PACE_MS have passed. Meanwhile events gather, and a calculation's later
 * state replaces its earlier one.
 */
const PACE_FROM = 8;
const PACE_MS = 50;

/**
 * The server-sent event streams of this api process. While it has clients it listens to the event bus
 * and writes each event to every one of them; with none, the bus need not decode a single message.
 */
export class EventStreamHub {
  private readonly clients = new Set<ServerResponse>();
  /** Open streams per client address. */
  private readonly perClient = new Map<string, number>();
  /** Listening to the bus, from the first client until the last has gone. */
  private subscription: Promise<() => void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Events not yet written, in order: a calculation's key stays where it came first, with its latest state. */
  private readonly pending = new Map<string, AppEvent>();
  /** Tells apart the keys of events that are never replaced (submissions). */
  private serial = 0;
  /** The write to come: at the end of this turn, or on a timer while writes are paced. */
  private nextWrite: 'turn' | NodeJS.Timeout | undefined;
  /** The next write waits until then (performance.now() time). */
  private pacedUntil = 0;

  constructor(
    private readonly events: EventBus,
    private readonly maxPerClient: number,
  ) {}

  async start(): Promise<void> {
    this.heartbeat = setInterval(() => this.writeAll(': keep-alive\n\n'), HEARTBEAT_MS).unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Whether `client` may open another stream. */
  admits(client: string): boolean {
    return (this.perClient.get(client) ?? 0) < this.maxPerClient;
  }

  add(response: ServerResponse, client: string, headers: Record<string, string | number | string[]> = {}): void {
    this.perClient.set(client, (this.perClient.get(client) ?? 0) + 1);
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx passes the stream through unbuffered.
      'x-accel-buffering': 'no',
    });
    response.write(`retry: ${RETRY_MS}\nevent: ready\ndata: {}\n\n`);
    this.listen();
    this.clients.add(response);
    response.on('close', () => {
      this.clients.delete(response);
      if (this.clients.size === 0) this.stopListening();
      const open = (this.perClient.get(client) ?? 1) - 1;
      if (open > 0) this.perClient.set(client, open);
      else this.perClient.delete(client);
    });
  }

  /**
   * Events broadcast in one turn of the event loop go to each client in one write, at the turn's end: a
   * bus message carries the events of a whole batch, and a write per event and client would cost a system
   * call each. Under load (see PACE_FROM) writes are paced as well: a client then gets a write every
   * PACE_MS at most, not one per bus message, and a calculation queued and done within it is sent done.
   */
  broadcast(event: AppEvent): void {
    if (this.clients.size === 0) return;
    const key = event.type === 'calculation' ? `calculation:${event.data.index}` : `${event.type}:${this.serial++}`;
    // A key set again keeps its place in the map: the update goes where the calculation first came.
    this.pending.set(key, event);
    if (this.nextWrite) return;
    const wait = this.pacedUntil - performance.now();
    if (wait <= 0) {
      this.nextWrite = 'turn';
      queueMicrotask(() => this.flush());
    } else {
      this.nextWrite = setTimeout(() => this.flush(), wait).unref();
    }
  }

  /** Ends every stream, so the HTTP server can close. */
  close(): void {
    this.stopListening();
    clearInterval(this.heartbeat);
    if (this.nextWrite !== 'turn') clearTimeout(this.nextWrite);
    this.nextWrite = undefined;
    this.pending.clear();
    this.endStreams();
  }

  private endStreams(): void {
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private listen(): void {
    if (this.subscription) return;
    // The bus adds the listener before it answers: no event published from here on is missed. It fails
    // only when the bus never connected, and then there is nothing to undo.
    this.subscription = this.events.subscribe(
      (event) => this.broadcast(event),
      // Events were lost on the way: every stream ends, and its client reconnects and catches up from the lists.
      () => this.endStreams(),
    );
    this.subscription.catch(() => {});
  }

  private stopListening(): void {
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.then((unsubscribe) => unsubscribe(), () => {});
  }

  private flush(): void {
    if (!this.nextWrite) return; // closed meanwhile
    this.nextWrite = undefined;
    let frames = '';
    for (const { type, data } of this.pending.values()) frames += `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    if (this.pending.size >= PACE_FROM) this.pacedUntil = performance.now() + PACE_MS;
    this.pending.clear();
    this.writeAll(frames);
  }

  private writeAll(frame: string): void {
    for (const client of this.clients) {
      if (client.writableLength > MAX_BUFFERED_BYTES) client.destroy();
      else client.write(frame);
    }
  }
}
