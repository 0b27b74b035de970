import type { AppEvent, EventBus, EventListener } from './bus.js';

export class MemoryEventBus implements EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly changeListeners = new Set<() => void>();

  async publish(...events: AppEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Listeners run after the publisher's turn, as they would on a message from Redis.
    queueMicrotask(() => {
      for (const listener of this.changeListeners) listener();
      for (const event of events) for (const listener of this.listeners) listener(event);
    });
  }

  /** In one process nothing is ever missed: `onMissed` is never told. */
  async subscribe(listener: EventListener): Promise<() => void> {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async onChange(listener: () => void): Promise<() => void> {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.changeListeners.clear();
  }
}
