/**
 * Amounts counted per key (a client's address) over a window that opens with the first of them and is
 * not extended by the others: wrong admin credentials, digits of new large calculations. In Redis when
 * there is one, so that every api replica counts the same; in process otherwise.
 */
import { normalizeIP } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

/**
 * The key of a client's address: an IPv6 address by its /64, as the rate limiter counts it (one
 * subscriber holds a whole /64, and would otherwise have a fresh count at each address of it).
 */
export function clientKey(address: string): string {
  return normalizeIP(address);
}

/** A Retry-After for a window that closes in `resetsInMs`: whole seconds, at least one. */
export function retryAfterSeconds(resetsInMs: number): number {
  return Math.max(1, Math.ceil(resetsInMs / 1_000));
}

export interface Counted {
  count: number;
  /** Milliseconds left of the window (0: none open). */
  resetsInMs: number;
}

export interface WindowCounts {
  /** What `key` counted in its current window. */
  get(key: string): Promise<Counted>;
  /** Counts `amount` for `key`, opening its window if none is, and answers the count with it (one step: two adds at once both count). */
  add(key: string, amount?: number): Promise<Counted>;
  /**
   * Takes `amount` back from `key`'s open window; nothing once it has closed. A window left with nothing
   * closes: the next amount opens one of its own.
   */
  remove(key: string, amount?: number): Promise<void>;
}

/** DECRBY on a key that exists; one that comes to nothing goes, its window with it. */
const TAKE_BACK = "if redis.call('exists', KEYS[1]) == 1 and redis.call('decrby', KEYS[1], ARGV[1]) <= 0 then redis.call('del', KEYS[1]) end";

/** Keys tracked at most in process: past it, windows that ended are let go, then the oldest. */
const MAX_KEYS = 10_000;

export class MemoryWindowCounts implements WindowCounts {
  private readonly windows = new Map<string, { count: number; resetsAt: number }>();

  constructor(private readonly windowMs: number) {}

  async get(key: string): Promise<Counted> {
    const window = this.open(key);
    return window ? { count: window.count, resetsInMs: window.resetsAt - Date.now() } : { count: 0, resetsInMs: 0 };
  }

  async add(key: string, amount = 1): Promise<Counted> {
    const window = this.open(key);
    if (window) window.count += amount;
    else {
      this.windows.set(key, { count: amount, resetsAt: Date.now() + this.windowMs });
      if (this.windows.size > MAX_KEYS) this.letGo();
    }
    return this.get(key);
  }

  async remove(key: string, amount = 1): Promise<void> {
    const window = this.open(key);
    if (!window) return;
    window.count -= amount;
    if (window.count <= 0) this.windows.delete(key);
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

  async get(key: string): Promise<Counted> {
    const [[, count], [, ttl]] = (await this.redis.multi().get(this.key(key)).pttl(this.key(key)).exec()) as [
      [Error | null, string | null],
      [Error | null, number],
    ];
    return count === null ? { count: 0, resetsInMs: 0 } : { count: Number(count), resetsInMs: Math.max(ttl, 0) };
  }

  async add(key: string, amount = 1): Promise<Counted> {
    const [, [, count], [, ttl]] = (await this.redis
      .multi()
      .set(this.key(key), 0, 'PX', this.windowMs, 'NX')
      .incrby(this.key(key), amount)
      .pttl(this.key(key))
      .exec()) as [unknown, [Error | null, number], [Error | null, number]];
    return { count, resetsInMs: Math.max(ttl, 0) };
  }

  async remove(key: string, amount = 1): Promise<void> {
    // Only while the window is open: a key decremented after it expired would stay, without an expiry.
    await this.redis.eval(TAKE_BACK, 1, this.key(key), amount);
  }

  private key(key: string): string {
    return `${this.prefix}:${key}`;
  }
}
