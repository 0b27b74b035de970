/** Negative when timestamp `a` is later than `b`: newest first. */
export function byTimeNewestFirst(a: string, b: string): number {
  return Date.parse(b) - Date.parse(a);
}

/** Ids are decimal strings of a growing sequence, possibly beyond 2^53: compare them as numbers. */
export function byIdNewestFirst(a: string, b: string): number {
  return b.length - a.length || (a < b ? 1 : a > b ? -1 : 0);
}
