import type { Page } from '../repositories/page.js';

/** A page as clients see it: items and an opaque cursor for the next one. */
export function presentPage<T>({ items, next }: Page<T>): { items: T[]; nextCursor: string | null } {
  return { items, nextCursor: next === null ? null : String(next) };
}
