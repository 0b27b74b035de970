/**
 * One measurement in a process of its own, so that its peak memory is its own: an engine computes
 * F(n) to the stored bytes, then to decimal, `reps` times after an untimed run, and keeps the best
 * times (as gmp_fib.c does), and the decimal time of the untimed run. Prints one JSON line like gmp_fib.c.
 * Usage: tsx bench/measure.ts bigint|gmp N REPS [THREADS]   (THREADS: the engine's parallelism, 1 or 2)
 */
import { selectEngine } from '../src/fib/engine.js';

const [choice, n, reps] = [process.argv[2] as 'bigint' | 'gmp', Number(process.argv[3]), Number(process.argv[4])];
const parallelism = process.argv[5] === '2' ? 2 : 1;
const engine = selectEngine(choice, { parallelism });
await engine.decimal(await engine.fibonacci(1000)); // load and warm the code paths before the baseline is taken

const base = process.resourceUsage().maxRSS;
let compute = Infinity;
let decimal = Infinity;
let firstDecimal = 0;
let digits = 0;
for (let i = 0; i <= reps; i++) {
  const t0 = performance.now();
  const bytes = await engine.fibonacci(n);
  const t1 = performance.now();
  digits = (await engine.decimal(bytes)).length;
  if (i === 0) firstDecimal = performance.now() - t1;
  if (i > 0) {
    decimal = Math.min(decimal, performance.now() - t1);
    compute = Math.min(compute, t1 - t0);
  }
}
await engine.close();
const result = { computeMs: compute, decimalMs: decimal, firstDecimalMs: firstDecimal, digits, peakKb: process.resourceUsage().maxRSS - base };
console.log(JSON.stringify(result));
