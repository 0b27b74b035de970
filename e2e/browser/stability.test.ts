import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calculationCard, freshIndex, launchBrowser, openApp, postIndex } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('layout stability', () => {
  for (const width of [1280, 390]) {
    it(`keeps a card's height from queued to done at ${width} px`, async () => {
      const { context, page } = await openApp(browser, { viewport: { width, height: 900 } });
      // Each try needs the card seen in two states at least. A big index takes long enough to compute
      // that the card is seen waiting first — F(9·10^6) even with the GMP engine — but a busy machine can
      // render late and see it done only; then another index is tried.
      let heights: [string, number][] = [];
      for (let attempt = 0; attempt < 3 && heights.length < 2; attempt++) {
        heights = await watchCardHeights(page, freshIndex(9_000_000 + (width === 390 ? 50_000 : 0), 50_000));
      }
      expect(heights.length, JSON.stringify(heights)).toBeGreaterThanOrEqual(2);
      expect(new Set(heights.map(([, height]) => height)).size, JSON.stringify(heights)).toBe(1);
      await context.close();
    });
  }
});

/** Submits the index and records the card's height at each status it is rendered in, until done. */
async function watchCardHeights(page: Page, index: number): Promise<[string, number][]> {
  await page.evaluate((watched) => {
    const heights: [string, number][] = [];
    const state = window as unknown as { heights: typeof heights; watcher?: MutationObserver };
    state.watcher?.disconnect();
    state.heights = heights;
    state.watcher = new MutationObserver(() => {
      const card = document.querySelector<HTMLElement>(`li.calculation[data-index="${watched}"]`);
      const status = card?.className ?? '';
      if (card && heights.at(-1)?.[0] !== status) heights.push([status, card.offsetHeight]);
    });
    state.watcher.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }, index);
  await postIndex(index);
  await calculationCard(page, index).locator('.status-done').waitFor({ timeout: 60_000 });
  return page.evaluate(() => (window as unknown as { heights: [string, number][] }).heights);
}
