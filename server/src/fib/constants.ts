/**
 * ln 10, ln √5 and ln φ in fixed point (see fixed-point.ts), each low by less than 2 ulps. Built from
 * atanh series of rational or quadratic arguments, so no floating point is involved:
 *   ln 2 = 2·atanh(1/3),  ln(5/4) = 2·atanh(1/9),  ln 10 = 3·ln 2 + ln(5/4),  ln 5 = ln 10 − ln 2,
 *   ln φ = atanh(1/√5) = (1/√5)·Σ 1/((2k+1)·5^k).
 */
import { atanhInverse, isqrt, unit } from './fixed-point.js';

export interface LogConstants {
  /** Bits after the binary point. */
  bits: number;
  ln10: bigint;
  lnSqrt5: bigint;
  lnPhi: bigint;
}

/**
 * Extra bits carried while building the constants: the series round off under 10^4 ulps of the
 * working precision (up to the 416 places leading.ts may ask for), so dropping 20 bits leaves < 1 ulp.
 */
const GUARD = 20;

const cache = new Map<number, LogConstants>();

export function logConstants(bits: number): LogConstants {
  let constants = cache.get(bits);
  if (!constants) {
    constants = build(bits);
    cache.set(bits, constants);
  }
  return constants;
}

function build(bits: number): LogConstants {
  const p = bits + GUARD;
  const ln2 = 2n * atanhInverse(3n, p);
  const ln10 = 3n * ln2 + 2n * atanhInverse(9n, p);
  const lnSqrt5 = (ln10 - ln2) / 2n;
  const drop = BigInt(GUARD);
  return { bits, ln10: ln10 >> drop, lnSqrt5: lnSqrt5 >> drop, lnPhi: lnPhi(p) >> drop };
}

function lnPhi(p: number): bigint {
  const one = unit(p);
  let power = one;
  let sum = 0n;
  for (let k = 1n; power > 0n; k += 2n) {
    sum += power / k;
    power /= 5n;
  }
  const inverseSqrt5 = isqrt((one * one) / 5n);
  return (sum * inverseSqrt5) / one;
}
