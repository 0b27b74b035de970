import type { Redis } from 'ioredis';
import type { CalculationView } from '../services/calculation.view.js';
import { CACHE_TTL_SECONDS, type CalculationCache } from './cache.js';

export class RedisCache implements CalculationCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async get(index: number): Promise<CalculationView | undefined> {
    const cached = await this.redis.get(this.key(index));
    return cached ? (JSON.parse(cached) as CalculationView) : undefined;
  }

  async set(view: CalculationView): Promise<void> {
    await this.redis.set(this.key(view.index), JSON.stringify(view), 'EX', CACHE_TTL_SECONDS);
  }

  async clear(): Promise<void> {
    const scan = this.redis.scanStream({ match: this.key('*'), count: 1_000 }) as AsyncIterable<string[]>;
    for await (const keys of scan) if (keys.length > 0) await this.redis.unlink(...keys);
  }

  async close(): Promise<void> {}

  private key(index: number | '*'): string {
    return `${this.prefix}:calculation:${index}`;
  }
}
