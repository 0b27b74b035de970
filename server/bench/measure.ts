/**
 * One measurement in a process of its own, so that its peak memory is its own: an engine computes
 * F(n) to the stored bytes, then to decimal, `reps` times after an untimed run, and keeps the best
 * times (as gmp_fib.c does). Prints one JSON line like gmp_fib.c.
 * Usage: tsx bench/measure.ts bigint|gmp N REPS
 */
import { selectEngine } from '../src/fib/engine.js';

const [choice, n, reps] = [process.argv[2] as 'bigint' | 'gmp', Number(process.argv[3]), Number(process.argv[4])];
const engine = selectEngine(choice);
engine.decimal(engine.fibonacci(1000)); // load and warm the code paths before the baseline is taken

const base = process.resourceUsage().maxRSS;
let compute = Infinity;
let decimal = Infinity;
let digits = 0;
for (let i = 0; i <= reps; i++) {
  const t0 = performance.now();
  const bytes = engine.fibonacci(n);
  const t1 = performance.now();
  digits = engine.decimal(bytes).length;
  if (i > 0) {
    decimal = Math.min(decimal, performance.now() - t1);
    compute = Math.min(compute, t1 - t0);
  }
}
const result = { computeMs: compute, decimalMs: decimal, digits, peakKb: process.resourceUsage().maxRSS - base };
console.log(JSON.stringify(result));
