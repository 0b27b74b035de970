/**
 * The digit count and leading digits of F(n) without computing F(n). For n ≥ EXACT_BELOW,
 * F(n) = φ^n/√5 − ψ^n/√5 with |ψ^n/√5| < 10^−418 relative, so with t = n·ln φ − ln √5 = k·ln 10 + r
 * (0 ≤ r < ln 10) the value is e^r·10^k: k + 1 digits, led by the digits of e^r.
 *
 * Everything is exact integer arithmetic with a proven error bound, and an answer is given only when
 * the whole interval around the approximation yields the same digits. Near a boundary — the digits
 * after the head read 999… or 000… for longer than the precision sees — the precision is raised and
 * the work redone, rather than guessing.
 */
import { logConstants } from './constants.js';
import { bitsFor, exp } from './fixed-point.js';

export interface Leading {
  digits: number;
  head: string;
}

/** Below this F(n) has at most 209 digits: computing it exactly is cheaper than the series and always right. */
export const EXACT_BELOW = 1000;

/**
 * Extra decimal places beyond what the head needs: the error bound is ~100·n ulps, so a head of `count`
 * digits needs log10(n) + count + 3 places, and the margin decides at once all but ~10^−margin of indexes.
 */
const DEFAULT_MARGIN = 12;

/** The ψ^n term stays below one ulp up to 418 places (φ^−2n < 10^−418 for n ≥ 1000). */
const MAX_PRECISION = 416;

export function leading(n: number, count: number, margin = DEFAULT_MARGIN): Leading {
  if (n < EXACT_BELOW) throw new RangeError(`leading() is for indexes of at least ${EXACT_BELOW}, got ${n}`);
  for (let precision = String(n).length + count + 3 + margin; precision <= MAX_PRECISION; precision *= 2) {
    const answer = leadingAtPrecision(n, count, precision);
    if (answer) return answer;
  }
  // Unreachable for safe-integer indexes: it would take F(n) with ~300 nines or zeros after its head.
  throw new Error(`the leading digits of F(${n}) are undecided at ${MAX_PRECISION} decimal places`);
}

/** One try at `precision` decimal places: `undefined` when the error bound straddles a digit boundary. */
export function leadingAtPrecision(n: number, count: number, precision: number): Leading | undefined {
  // The arithmetic is binary (fixed-point.ts), with at least as many bits as the places asked for.
  const bits = bitsFor(precision);
  const { ln10, lnSqrt5, lnPhi } = logConstants(bits);
  const t = BigInt(n) * lnPhi - lnSqrt5;
  const k = t / ln10;
  const r = t - k * ln10;
  // Each constant is off by < 2 ulps; n·ln φ and k·ln 10 (k < n) multiply that.
  const rError = 4n * BigInt(n) + 8n;
  if (r < rError || r + rError >= ln10) return undefined; // r may lie on the other side of 0 or ln 10: k is unsure
  const e = exp(r, bits);
  // |Δe^r| ≤ e^r·|Δr|·(1 + tiny) with e^r < 10, plus the series' own rounding and 1 ulp for ψ^n.
  const error = 11n * rError + BigInt(e.errorUlps) + 1n;
  // e^r ∈ [1, 10): its first `count` digits are ⌊e^r·10^(count−1)⌋.
  const scale = 10n ** BigInt(count - 1);
  const shift = BigInt(bits);
  const low = ((e.value - error) * scale) >> shift;
  const high = ((e.value + error) * scale) >> shift;
  if (low !== high) return undefined;
  return { digits: Number(k) + 1, head: low.toString() };
}
