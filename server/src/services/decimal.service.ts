import type { Db } from '../db/database.js';
import { asciiText } from '../fib/codec.js';
import { CalculationRepository } from '../repositories/calculation.repository.js';

export interface DecimalConverter {
  /** The decimal digits (ASCII) of a value given as big-endian bytes, computed off the event loop. */
  decimal(value: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
}

/**
 * Turns a stored exact value into decimal once, on its first download, and keeps the result: most values
 * are never downloaded, and converting costs several times more than computing. Concurrent first
 * downloads in one process share one conversion.
 */
export class DecimalService {
  private readonly calculations: CalculationRepository;
  private readonly converting = new Map<number, Promise<void>>();

  constructor(
    db: Db,
    private readonly converter: DecimalConverter,
  ) {
    this.calculations = new CalculationRepository(db);
  }

  /** Resolves once the decimal of F(index) is stored. */
  ensure(index: number): Promise<void> {
    let pending = this.converting.get(index);
    if (!pending) {
      pending = this.convert(index).finally(() => this.converting.delete(index));
      this.converting.set(index, pending);
    }
    return pending;
  }

  private async convert(index: number): Promise<void> {
    const bytes = await this.calculations.uncachedBytes(index);
    if (!bytes) return; // converted already (or by another process meanwhile)
    const digits = await this.converter.decimal(bytes);
    await this.calculations.cacheDecimal(index, asciiText(digits));
  }
}
