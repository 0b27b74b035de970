import type { CalculationView } from '../services/calculation.view.js';
import { CACHE_TTL_SECONDS, type CalculationCache } from './cache.js';

export class MemoryCache implements CalculationCache {
  private readonly entries = new Map<number, { view: CalculationView; expires: number }>();

  constructor(private readonly capacity = 10_000) {}

  async get(index: number): Promise<CalculationView | undefined> {
    const entry = this.entries.get(index);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      this.entries.delete(index);
      return undefined;
    }
    return entry.view;
  }

  async set(view: CalculationView): Promise<void> {
    this.entries.delete(view.index);
    this.entries.set(view.index, { view, expires: Date.now() + CACHE_TTL_SECONDS * 1_000 });
    // Evict the oldest entry (a Map iterates in insertion order).
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  async clear(): Promise<void> {
    this.entries.clear();
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
