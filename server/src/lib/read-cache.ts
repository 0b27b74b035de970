/**
 * The answers of hot reads (the first page of each list), kept in memory until the data changes.
 *
 * - Concurrent misses of one key share one load: a burst of requests costs one query.
 * - `invalidate()` drops everything at once; the owner calls it on every change it hears of (its own
 *   writes at once, other processes' through the event bus). A load already under way when the data
 *   changed is not kept: requests that come after the change load afresh.
 * - No answer is older than `maxAgeMs`, which bounds staleness after changes no event announces
 *   (pruning, a restored backup).
 * - A failed load is not kept: the next request tries again.
 */
export class ReadCache {
  private readonly entries = new Map<string, { value: Promise<unknown>; expires: number }>();

  constructor(
    private readonly maxAgeMs: number,
    /** Distinct keys kept at most; reads outside the hot few are cheap enough to load each time. */
    private readonly maxEntries = 256,
  ) {}

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.maxAgeMs <= 0) return load();
    const now = performance.now();
    const entry = this.entries.get(key);
    if (entry && entry.expires > now) return entry.value as Promise<T>;
    const value = load();
    if (this.entries.size >= this.maxEntries && !entry) this.entries.clear();
    this.entries.set(key, { value, expires: now + this.maxAgeMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  invalidate(): void {
    this.entries.clear();
  }
}
