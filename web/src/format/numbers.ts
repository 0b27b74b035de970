const count = new Intl.NumberFormat('en-US');

/** 1234567 → "1,234,567". */
export function formatCount(value: number): string {
  return count.format(value);
}

/** "1 digit", "19 digits", "1,045,010 digits". */
export function formatDigitCount(digits: number): string {
  return `${formatCount(digits)} ${digits === 1 ? 'digit' : 'digits'}`;
}

/** A compute time people can read at a glance: "0.04 ms", "12 ms", "1.5 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 10) return `${trim(ms.toFixed(ms < 1 ? 2 : 1))} ms`;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trim((ms / 1_000).toFixed(ms < 10_000 ? 2 : 1))} s`;
  const totalSeconds = Math.round(ms / 1_000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}

/** "1.50" → "1.5", "2.00" → "2". */
function trim(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}
