/**
 * Wrong admin credentials, counted per client address for a window that starts at the first of them.
 * In Redis when there is one, so that every api replica counts the same tries; in process otherwise.
 */
import type { Redis } from 'ioredis';

export interface SignInFailures {
  /** Failures of `client` in its current window, and the milliseconds left of that window (0: none open). */
  get(client: string): Promise<{ count: number; resetsInMs: number }>;
  /** Counts one failure of `client`. */
  add(client: string): Promise<void>;
}

/** Clients tracked at most in process: past it, windows that ended are let go, then the oldest. */
const MAX_CLIENTS = 10_000;

export class MemorySignInFailures implements SignInFailures {
  private readonly clients = new Map<string, { count: number; resetsAt: number }>();

  constructor(private readonly windowMs: number) {}

  async get(client: string): Promise<{ count: number; resetsInMs: number }> {
    const window = this.open(client);
    return window ? { count: window.count, resetsInMs: window.resetsAt - Date.now() } : { count: 0, resetsInMs: 0 };
  }

  async add(client: string): Promise<void> {
    const window = this.open(client);
    if (window) {
      window.count += 1;
      return;
    }
    this.clients.set(client, { count: 1, resetsAt: Date.now() + this.windowMs });
    if (this.clients.size > MAX_CLIENTS) this.letGo();
  }

  private open(client: string): { count: number; resetsAt: number } | undefined {
    const window = this.clients.get(client);
    if (window && window.resetsAt > Date.now()) return window;
    this.clients.delete(client);
    return undefined;
  }

  private letGo(): void {
    const now = Date.now();
    for (const [client, { resetsAt }] of this.clients) if (resetsAt <= now) this.clients.delete(client);
    for (const client of this.clients.keys()) {
      if (this.clients.size <= MAX_CLIENTS) break;
      this.clients.delete(client);
    }
  }
}

export class RedisSignInFailures implements SignInFailures {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowMs: number,
  ) {}

  async get(client: string): Promise<{ count: number; resetsInMs: number }> {
    const [[, count], [, ttl]] = (await this.redis.multi().get(this.key(client)).pttl(this.key(client)).exec()) as [
      [Error | null, string | null],
      [Error | null, number],
    ];
    return count === null ? { count: 0, resetsInMs: 0 } : { count: Number(count), resetsInMs: Math.max(ttl, 0) };
  }

  async add(client: string): Promise<void> {
    // The window opens with the first failure and is not extended by the others.
    await this.redis.multi().set(this.key(client), 0, 'PX', this.windowMs, 'NX').incr(this.key(client)).exec();
  }

  private key(client: string): string {
    return `${this.prefix}:admin-sign-in-failures:${client}`;
  }
}
