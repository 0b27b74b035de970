/** Keyset pagination: a cursor is the key of the last row a page returned, so any page costs the same. */
export interface PageRequest {
  limit: number;
  /** Rows strictly older than this key; absent for the first page. */
  before?: number;
}

export interface Page<T> {
  items: T[];
  /** The key to ask for the next page with, or null when this was the last. */
  next: number | null;
}

export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? keyOf(last) : null };
}
