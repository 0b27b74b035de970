/** How the admin page writes numbers and times; counts as the main page does (format/numbers.ts). */
import type { RunningJob } from './types';

const rateFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** A rate, grouped, with one decimal at most: 3.3333 → "3.3", 1234 → "1,234". */
export function rate(value: number): string {
  return rateFormat.format(value);
}

export function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms >= 1_000) return `${(ms / 1_000).toFixed(2)} s`;
  // Small F(n) take well under a millisecond: those keep two decimals, the rest whole milliseconds.
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`;
}

/** "12 s ago", from an ISO time and now. */
export function ago(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1_000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3_600) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3_600)} h ago`;
}

export function bytes(count: number): string {
  if (count < 1_024) return `${count} B`;
  if (count < 1_024 ** 2) return `${(count / 1_024).toFixed(1)} kB`;
  return `${(count / 1_024 ** 2).toFixed(1)} MB`;
}

/** What a running job works on: "F(123)", "batch of 9" (calculations), or a periodic job's name. */
export function work(job: RunningJob): string {
  if (job.index !== undefined) return `F(${job.index})`;
  if (job.calculations !== undefined) return `batch of ${job.calculations}`;
  return job.name;
}
