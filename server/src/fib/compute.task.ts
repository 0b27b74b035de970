/** Runs inside a worker thread of the pool: the only place F(n) is computed and turned into decimal. */
import { fibonacci } from './fibonacci.js';
import { summarizeDecimal, type FibSummary } from './summary.js';

export interface ComputeRequest {
  index: number;
}

export interface ComputeResult extends FibSummary {
  value: string;
  durationMs: number;
}

export default function compute({ index }: ComputeRequest): ComputeResult {
  const started = performance.now();
  const value = fibonacci(index).toString();
  return { value, ...summarizeDecimal(value), durationMs: performance.now() - started };
}
