/**
 * Amounts counted per key (a client's address) over a window that opens with the first of them and is
 * not extended by the others: wrong admin credentials, digits of new large calculations. In Redis when
 * there is one, so that every api replica counts the same; in process otherwise.
 */
import type { Redis } from 'ioredis';

export interface WindowCounts {
  /** What `key` counted in its current window, and the milliseconds left of that window (0: none open). */
  get(key: string): Promise<{ count: number; resetsInMs: number }>;
  /** Counts `amount` for `key`, opening its window if none is. */
  add(key: string, amount?: number): Promise<void>;
}

/** Keys tracked at most in process: past it, windows that ended are let go, then the oldest. */
const MAX_KEYS = 10_000;

export class MemoryWindowCounts implements WindowCounts {
  private readonly windows = new Map<string, { count: number; resetsAt: number }>();

  constructor(private readonly windowMs: number) {}

  async get(key: string): Promise<{ count: number; resetsInMs: number }> {
    const window = this.open(key);
    return window ? { count: window.count, resetsInMs: window.resetsAt - Date.now() } : { count: 0, resetsInMs: 0 };
  }

  async add(key: string, amount = 1): Promise<void> {
    const window = this.open(key);
    if (window) {
      window.count += amount;
      return;
    }
    this.windows.set(key, { count: amount, resetsAt: Date.now() + this.windowMs });
    if (this.windows.size > MAX_KEYS) this.letGo();
  }

  private open(key: string): { count: number; resetsAt: number } | undefined {
    const window = this.windows.get(key);
    if (window && window.resetsAt > Date.now()) return window;
    this.windows.delete(key);
    return undefined;
  }

  private letGo(): void {
    const now = Date.now();
    for (const [key, { resetsAt }] of this.windows) if (resetsAt <= now) this.windows.delete(key);
    for (const key of this.windows.keys()) {
      if (this.windows.size <= MAX_KEYS) break;
      this.windows.delete(key);
    }
  }
}

export class RedisWindowCounts implements WindowCounts {
  /** `prefix`: the Redis keys' start, to which `:<key>` is added. */
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowMs: number,
  ) {}

  async get(key: string): Promise<{ count: number; resetsInMs: number }> {
    const [[, count], [, ttl]] = (await this.redis.multi().get(this.key(key)).pttl(this.key(key)).exec()) as [
      [Error | null, string | null],
      [Error | null, number],
    ];
    return count === null ? { count: 0, resetsInMs: 0 } : { count: Number(count), resetsInMs: Math.max(ttl, 0) };
  }

  async add(key: string, amount = 1): Promise<void> {
    await this.redis.multi().set(this.key(key), 0, 'PX', this.windowMs, 'NX').incrby(this.key(key), amount).exec();
  }

  private key(key: string): string {
    return `${this.prefix}:${key}`;
  }
}
