import type { Browser } from 'playwright-core';
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
      // A big index takes long enough to compute that the card is seen waiting first — F(9·10^6) even
      // with the GMP engine; near 10^6 GMP can finish before the page renders the waiting card.
      const index = freshIndex(9_000_000 + (width === 390 ? 50_000 : 0), 50_000);
      await page.evaluate((watched) => {
        const heights: [string, number][] = [];
        (window as unknown as { heights: typeof heights }).heights = heights;
        new MutationObserver(() => {
          const card = document.querySelector<HTMLElement>(`li.calculation[data-index="${watched}"]`);
          const status = card?.className ?? '';
          if (card && heights.at(-1)?.[0] !== status) heights.push([status, card.offsetHeight]);
        }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      }, index);

      await postIndex(index);
      await calculationCard(page, index).locator('.status-done').waitFor({ timeout: 60_000 });
      const heights = await page.evaluate(() => (window as unknown as { heights: [string, number][] }).heights);
      expect(heights.length).toBeGreaterThanOrEqual(2);
      expect(new Set(heights.map(([, height]) => height)).size, JSON.stringify(heights)).toBe(1);
      await context.close();
    });
  }
});
