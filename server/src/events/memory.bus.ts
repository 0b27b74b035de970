import type { AppEvent, EventBus, EventListener } from './bus.js';

export class MemoryEventBus implements EventBus {
  private readonly listeners = new Set<EventListener>();

  async publish(...events: AppEvent[]): Promise<void> {
    // Listeners run after the publisher's turn, as they would on a message from Redis.
    queueMicrotask(() => {
      for (const event of events) for (const listener of this.listeners) listener(event);
    });
  }

  async subscribe(listener: EventListener): Promise<() => void> {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
