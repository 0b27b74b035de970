import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from '../support/axe.js';
import { launchBrowser, openApp, postIndex, saveScreenshot } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
  // Something in each list, small values and a big one, so every part of a card is checked.
  for (const index of [12, 90, 150, 99_999]) await postIndex(index);
});
afterAll(async () => {
  await browser?.close();
});

const layouts = [
  { width: 1280, height: 900 },
  { width: 390, height: 844 },
  { width: 360, height: 740 },
  { width: 320, height: 640 },
] as const;

/** How far the page is wider than the screen: above 0, it scrolls sideways. */
function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

describe('how the page looks', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const { width, height } of layouts) {
      it(`is accessible and fits a ${width} px screen in the ${colorScheme} scheme`, async () => {
        // Reduced motion: items fade in, and a contrast check in mid-fade would measure the fade.
        const { context, page, errors } = await openApp(browser, { viewport: { width, height }, colorScheme, reducedMotion: 'reduce' });
        await page.locator('li.calculation[data-index="99999"] .status-done').waitFor({ timeout: 30_000 });
        await page.locator('.submission').first().waitFor();
        // An error on show too, so its colours are checked.
        await page.getByLabel('Enter your index').fill('-1');
        await page.getByLabel('Enter your index').press('Enter');

        expect(await seriousViolations(page)).toEqual([]);
        expect(errors).toEqual([]);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        await saveScreenshot(page, `calculator-${width}-${colorScheme}`);

        // Offline, the header says so ("Offline · waiting for the network"): it still fits.
        await context.setOffline(true);
        await page.locator('.connection.is-retrying').waitFor({ timeout: 10_000 });
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        await saveScreenshot(page, `calculator-offline-${width}-${colorScheme}`);

        // The network back but the server not answering: "Server unreachable · retrying in N s" and
        // "Reconnect now", the header's longest: it fits too.
        await page.route('**/api/events', (route) => route.abort('connectionrefused'));
        await context.setOffline(false);
        await page.getByRole('button', { name: 'Reconnect now' }).waitFor({ timeout: 10_000 });
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        await context.close();
      });
    }
  }

  it.each([1000, 1100, 1280, 1600])('keeps the spiral clear of the words and the form at %i px', async (width) => {
    const { context, page } = await openApp(browser, { viewport: { width, height: 900 } });
    await page.getByLabel('Enter your index').fill('-1');
    await page.getByLabel('Enter your index').press('Enter');
    await page.locator('.hero .field-error:not(:empty)').waitFor();
    const overlapping = await page.evaluate(() => {
      const spiral = document.querySelector('.hero .spiral')!.getBoundingClientRect();
      const leaves = [...document.querySelectorAll('.hero *')].filter((element) => !element.closest('.spiral') && element.children.length === 0);
      return leaves
        .filter((element) => {
          const box = element.getBoundingClientRect();
          return box.width > 0 && box.right > spiral.left && box.left < spiral.right && box.bottom > spiral.top && box.top < spiral.bottom;
        })
        .map((element) => `${element.tagName.toLowerCase()}.${element.className}: ${element.textContent?.slice(0, 30)}`);
    });
    expect(overlapping).toEqual([]);
    await context.close();
  });

  it('explains what to do while both lists are empty', async () => {
    const { context, page } = await openApp(browser, { viewport: { width: 390, height: 844 } });
    const isList = (url: URL) => url.pathname === '/api/calculations' || url.pathname === '/api/submissions';
    await page.route(isList, (route) => route.fulfill({ json: { items: [], nextCursor: null } }));
    await page.reload();
    await page.getByText('No values yet').waitFor();
    await page.getByText('Nothing submitted yet').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'calculator-empty-390-light');
    await context.close();
  });
});
