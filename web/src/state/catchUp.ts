import type { Page } from '../api/types';

export type CatchUp<T> =
  /** Every item newer than those shown: merge them in. */
  | { kind: 'overlap'; items: T[] }
  /** More was missed than is worth reading: start the list again from this page. */
  | { kind: 'restart'; page: Page<T> };

/**
 * Reads the newest pages until one reaches an item already shown, so whatever happened while the page
 * was away (however many submissions) is merged without a gap and without duplicates.
 */
export async function catchUp<T>(
  readPage: (cursor: string | null) => Promise<Page<T>>,
  isShown: (item: T) => boolean,
  maxPages = 5,
): Promise<CatchUp<T>> {
  const first = await readPage(null);
  const items: T[] = [];
  let page = first;
  for (let read = 1; ; read += 1) {
    items.push(...page.items);
    if (page.items.some(isShown) || page.nextCursor === null) return { kind: 'overlap', items };
    if (read === maxPages) return { kind: 'restart', page: first };
    page = await readPage(page.nextCursor);
  }
}
