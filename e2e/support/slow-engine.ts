/**
 * Tests of what happens while a calculation runs need one that runs for a while: F(4·10^7) takes over a
 * second on the BigInt engine (GMP computes it in a fraction of that), above the default exact limit.
 */
export const LONG_INDEX = 40_000_000;

export const SLOW_ENGINE = { FIB_ENGINE: 'bigint', MAX_EXACT_INDEX: String(LONG_INDEX) };
