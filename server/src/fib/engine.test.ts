import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { asciiText, fromBytes, toBytes } from './codec.js';
import { bigintEngine, createBigintEngine, resolveEngine, selectEngine, type FibEngine } from './engine.js';
import { fibonacci } from './fibonacci.js';
import { ADDON_PATH, loadNativeEngine } from './native.js';

// CI builds the addon (.ci/run), so there both engines answer the same vectors.
const native = loadNativeEngine();
const twoThreads = createBigintEngine({ parallelism: 2 });
const engines: FibEngine[] = native ? [bigintEngine, twoThreads, native] : [bigintEngine, twoThreads];
afterAll(() => twoThreads.close());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each(engines.map((engine) => [`${engine.name} (${engine.threads} thread)`, engine] as const))('the %s engine', (_, engine) => {
  it('agrees with the reference for every index below 1500, in bytes and in decimal', async () => {
    for (let n = 0; n < 1500; n++) {
      const bytes = await engine.fibonacci(n);
      expect(fromBytes(bytes), `F(${n})`).toBe(fibonacci(n));
      expect(asciiText(await engine.decimal(bytes)), `F(${n})`).toBe(fibonacci(n).toString());
    }
  });

  it('stores F(0) as one zero byte, like the codec', async () => {
    expect([...(await engine.fibonacci(0))]).toEqual([...toBytes(0n)]);
  });

  // The digests are those of fibonacci.test.ts, computed independently with Python's integers.
  it('matches the independent digests of F(10^5) and F(10^6)', async () => {
    const f5 = asciiText(await engine.decimal(await engine.fibonacci(100_000)));
    expect(sha256(f5)).toBe('9fe22f691a91170da9006226d479ad986b2f92021b7045ecfb0a5091b641b802');
    const f6 = asciiText(await engine.decimal(await engine.fibonacci(1_000_000)));
    expect(f6).toHaveLength(208_988);
    expect(sha256(f6)).toBe('aef6e8c19df607aa07940f2abde8460d1b34c18df1a6f46b5fc04dfe9be51706');
  });

  it('converts a value it did not compute', async () => {
    expect(asciiText(await engine.decimal(toBytes(10n ** 40n - 1n)))).toBe('9'.repeat(40));
    expect(asciiText(await engine.decimal(new Uint8Array([0, 0, 1, 0])))).toBe('256');
  });

  it('refuses indexes that are not non-negative safe integers', async () => {
    for (const bad of [-1, 1.5, 2 ** 53]) await expect(engine.fibonacci(bad)).rejects.toThrow(RangeError);
  });
});

describe('engine selection', () => {
  it('prefers GMP when the addon is built and falls back to BigInt otherwise', () => {
    expect(native === undefined).toBe(!existsSync(ADDON_PATH));
    expect(selectEngine('auto').name).toBe(native ? 'gmp' : 'bigint');
    expect(selectEngine('bigint').name).toBe('bigint');
    expect(selectEngine('bigint', { parallelism: 2 }).threads).toBe(2);
    if (native) expect(selectEngine('gmp').name).toBe('gmp');
    else expect(() => selectEngine('gmp')).toThrow(/not built/);
  });

  it('decides the engine once at start, and refuses gmp where the addon does not load', () => {
    expect(resolveEngine('auto')).toBe(native ? 'gmp' : 'bigint');
    expect(resolveEngine('bigint')).toBe('bigint');
    // As on a machine without the addon.
    const missing = () => undefined;
    expect(resolveEngine('auto', missing)).toBe('bigint');
    expect(() => resolveEngine('gmp', missing)).toThrow(/not built/);
  });
});
