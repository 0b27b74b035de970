/** The classic tutorial's worker: F(n) by the definition, in exponential time. Only the benchmark uses it. */
export function naive(n: number): number {
  return n < 2 ? n : naive(n - 1) + naive(n - 2);
}
