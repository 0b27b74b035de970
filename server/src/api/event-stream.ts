import type { ServerResponse } from 'node:http';
import type { AppEvent, EventBus } from '../events/bus.js';

/** A client further behind than this is dropped; it reconnects and catches up from the lists. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;
/** Tells EventSource how soon to reconnect after a drop. */
const RETRY_MS = 2_000;

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
  /** Frames broadcast in this turn, not yet written. */
  private frames: string[] = [];

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
   * call each.
   */
  broadcast(event: AppEvent): void {
    if (this.clients.size === 0) return;
    if (this.frames.length === 0) queueMicrotask(() => this.flush());
    this.frames.push(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
  }

  /** Ends every stream, so the HTTP server can close. */
  close(): void {
    this.stopListening();
    clearInterval(this.heartbeat);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private listen(): void {
    if (this.subscription) return;
    // The bus adds the listener before it answers: no event published from here on is missed. It fails
    // only when the bus never connected, and then there is nothing to undo.
    this.subscription = this.events.subscribe((event) => this.broadcast(event));
    this.subscription.catch(() => {});
  }

  private stopListening(): void {
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.then((unsubscribe) => unsubscribe(), () => {});
  }

  private flush(): void {
    const frames = this.frames.join('');
    this.frames = [];
    this.writeAll(frames);
  }

  private writeAll(frame: string): void {
    for (const client of this.clients) {
      if (client.writableLength > MAX_BUFFERED_BYTES) client.destroy();
      else client.write(frame);
    }
  }
}
