import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asciiBytes, fromBytes, toBytes } from '../src/fib/codec.js';
import { fibonacci } from '../src/fib/fibonacci.js';
import { summarize } from '../src/fib/summary.js';
import { CalculationRepository } from '../src/repositories/calculation.repository.js';
import { DecimalService, type DecimalConverter } from '../src/services/decimal.service.js';
import { openMigratedDatabase } from './support/services.js';

/** Converts on this thread (the pool is tested in fib/), counting the conversions. */
class CountingConverter implements DecimalConverter {
  conversions = 0;

  async decimal(value: Uint8Array): Promise<Uint8Array> {
    this.conversions++;
    await new Promise((resolve) => setTimeout(resolve, 20)); // long enough for requests to overlap
    return asciiBytes(fromBytes(value).toString());
  }
}

describe('DecimalService on Postgres', () => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let calculations: CalculationRepository;

  beforeAll(async () => {
    database = await openMigratedDatabase();
    calculations = new CalculationRepository(database.db);
  });
  afterAll(() => database.close());

  it('converts a stored value once, however many downloads ask at once or later', async () => {
    const index = 60_000;
    await calculations.request(index, 'client-a', { ...summarize(index), exact: true, durationMs: 0.01 });
    await calculations.start(index, 1);
    await calculations.complete(index, { bytes: toBytes(fibonacci(index)), decimal: null, durationMs: 1 });

    const converter = new CountingConverter();
    const decimals = new DecimalService(database.db, converter);
    await Promise.all([decimals.ensure(index), decimals.ensure(index), decimals.ensure(index)]);
    await decimals.ensure(index);
    await new DecimalService(database.db, converter).ensure(index); // another process, later
    expect(converter.conversions).toBe(1);

    const chunks: string[] = [];
    for await (const chunk of calculations.valueChunks(index, 4096)) chunks.push(chunk);
    expect(chunks.join('')).toBe(fibonacci(index).toString());
  });
});
