import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import { onReconnect, whenConnected } from '../lib/redis.js';
import type { AppEvent, EventBus, EventListener } from './bus.js';

/**
 * Events over Redis pub/sub. Delivery is at most once: a process that misses events while Redis is away
 * is told so once its connection is back (`onMissed`), and ends its clients' streams, which re-read the
 * lists when they reconnect.
 */
export class RedisEventBus implements EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly changeListeners = new Set<() => void>();
  private readonly missedListeners = new Set<() => void>();
  private subscribed: Promise<unknown> | undefined;

  constructor(
    private readonly publisher: Redis,
    /** A connection of its own: a subscribed connection can do nothing else. */
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  /** One event is sent as an object, several as an array of them, in one message. */
  async publish(...events: AppEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.publisher.publish(this.channel, JSON.stringify(events.length === 1 ? events[0] : events));
  }

  async subscribe(listener: EventListener, onMissed?: () => void): Promise<() => void> {
    if (onMissed) this.missedListeners.add(onMissed);
    const forgetMissed = () => onMissed && this.missedListeners.delete(onMissed);
    try {
      const unsubscribe = await this.join(this.listeners, listener);
      return () => {
        unsubscribe();
        forgetMissed();
      };
    } catch (error) {
      forgetMissed();
      throw error;
    }
  }

  onChange(listener: () => void): Promise<() => void> {
    return this.join(this.changeListeners, listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.changeListeners.clear();
    this.missedListeners.clear();
    this.subscriber.disconnect();
  }

  /** Adds the listener at once (no message from here on is missed), then waits for the channel's subscription. */
  private async join<L>(listeners: Set<L>, listener: L): Promise<() => void> {
    listeners.add(listener);
    this.subscribed ??= this.start();
    await this.subscribed;
    return () => listeners.delete(listener);
  }

  private async start(): Promise<unknown> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      for (const listener of this.changeListeners) listener();
      // Every api process hears every message of every process; decoding it is for stream clients only.
      if (this.listeners.size === 0) return;
      let events: AppEvent[];
      try {
        const parsed = JSON.parse(message) as AppEvent | AppEvent[];
        events = Array.isArray(parsed) ? parsed : [parsed];
      } catch (error) {
        this.logger.warn({ err: error }, 'ignored a malformed event');
        return;
      }
      for (const event of events) for (const listener of this.listeners) listener(event);
    });
    // Only on a ready connection. ioredis 5 writes a SUBSCRIBE asked for during the connection's handshake
    // at once; the handshake's own commands then fail in subscriber mode, and the reconnection that follows
    // forgets the subscription. A subscription made when ready is renewed after every reconnection.
    await whenConnected(this.subscriber);
    const subscribed = await this.subscriber.subscribe(this.channel);
    // ioredis subscribes again on every reconnection, but what was published meanwhile is gone: say so,
    // to what caches (it may have missed a change) and to what streams events.
    onReconnect(this.subscriber, () => {
      for (const listener of [...this.changeListeners, ...this.missedListeners]) listener();
    });
    return subscribed;
  }
}
