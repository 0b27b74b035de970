/** How the admin page writes numbers and times; counts and indexes as the main page does (format/numbers.ts). */
import { formatCount } from '../format/numbers';
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

/** Where and how a time of day is written; the browser's own unless given (the tests give them). */
export interface Clock {
  locale?: string;
  timeZone?: string;
}

/**
 * A moment as a time of day with its zone's name, as the schedules' expressions (in UTC) sit beside
 * it: "08:30:00 AM GMT+5:30" today, "Jan 2, 08:30 AM GMT+5:30" on another day (in the same zone).
 */
export function clock(iso: string, now: Date = new Date(), { locale, timeZone }: Clock = {}): string {
  const moment = new Date(iso);
  const day = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
  const today = day.format(moment) === day.format(now);
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    timeZoneName: 'short',
    hour: '2-digit',
    minute: '2-digit',
    ...(today ? { second: '2-digit' } : { month: 'short', day: 'numeric' }),
  }).format(moment);
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

/** A calculation by its index, grouped as the main page groups it: "F(9,007,199,254,740,991)". */
export function calculationName(index: number): string {
  return `F(${formatCount(index)})`;
}

/** What a running job works on: "F(123,456)", "batch of 9" (calculations), or a periodic job's name. */
export function work(job: RunningJob): string {
  if (job.index !== undefined) return calculationName(job.index);
  if (job.calculations !== undefined) return `batch of ${job.calculations}`;
  return job.name;
}
