/**
 * Tests of what happens while a calculation runs need one that runs for a while: F(2·10^7) takes about
 * half a second on the BigInt engine (GMP computes it in a tenth of that), above the default exact limit.
 */
export const LONG_INDEX = 20_000_000;

export const SLOW_ENGINE = { FIB_ENGINE: 'bigint', MAX_EXACT_INDEX: String(LONG_INDEX) };
