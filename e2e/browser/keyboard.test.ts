import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postIndex as postTo } from '../support/api.js';
import { startEmbedded } from '../support/embedded.js';
import { freePort } from '../support/ports.js';
import type { ManagedProcess } from '../topology/process.js';
import { calculationCard, freshIndex, launchBrowser, openApp } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** What has the focus, as a person using a screen reader would hear it named. */
function focused(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    const style = element ? getComputedStyle(element) : null;
    return {
      name: element?.getAttribute('aria-label') ?? element?.textContent?.trim() ?? '',
      id: element?.id ?? '',
      tag: element?.tagName.toLowerCase() ?? '',
      outlined: style !== null && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    };
  });
}

/** Presses Tab until the focus is on an element named `name`; fails after `limit` presses. */
async function tabTo(page: Page, name: string, limit = 40): Promise<void> {
  for (let presses = 0; presses < limit; presses += 1) {
    await page.keyboard.press('Tab');
    if ((await focused(page)).name === name) return;
  }
  throw new Error(`Tab never reached "${name}"`);
}

/** Presses Shift+Tab until the focus is on a `tag` element; fails after `limit` presses. */
async function tabBackTo(page: Page, tag: string, limit = 10): Promise<void> {
  for (let presses = 0; presses < limit; presses += 1) {
    await page.keyboard.press('Shift+Tab');
    if ((await focused(page)).tag === tag) return;
  }
  throw new Error(`Shift+Tab never reached a ${tag}`);
}

describe('keyboard-only use', () => {
  it('reaches, fills and submits the form, then downloads the result, without a pointer', async () => {
    const { context, page } = await openApp(browser, { acceptDownloads: true });
    const index = freshIndex(70_000, 10_000);

    // The field comes right after the brand link: nothing to wade through first.
    await page.keyboard.press('Tab');
    expect((await focused(page)).name).toMatch(/fibstack$/);
    await page.keyboard.press('Tab');
    expect((await focused(page)).tag).toBe('input');

    // An example chip calculates its index, and keeps the focus.
    await tabTo(page, '90');
    await page.keyboard.press('Enter');
    await page.locator('.latest li.calculation[data-index="90"] .status-done').waitFor({ timeout: 30_000 });
    expect((await focused(page)).name).toBe('90');
    await expect.poll(() => page.getByLabel('Enter your index').inputValue()).toBe('');

    await tabBackTo(page, 'input');
    await page.keyboard.type(String(index));
    await page.keyboard.press('Enter');
    await calculationCard(page, index).locator('.status-done').waitFor({ timeout: 30_000 });
    expect((await focused(page)).tag).toBe('input');

    await tabTo(page, `Download F(${index})`);
    expect((await focused(page)).outlined).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toBe(`fibonacci-${index}.txt`);
    await context.close();
  });
});

/**
 * Paging through the whole history, on a server of its own (the embedded default): on the shared
 * topology the other tests' calculations keep arriving, and a stream dropped under their load is
 * caught up by reading the newest page again, which restarts the list under the test.
 */
describe('keyboard-only use, on a server of its own', () => {
  let server: ManagedProcess;
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fibstack-keyboard-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startEmbedded(dataDir, port, { RATE_LIMIT_MAX: '0' });
  });
  afterAll(async () => {
    await server?.stop('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the focus in place when the button pressed goes away: Retry, the last "Load more"', async () => {
    const index = 90_000;
    // More than two pages of values.
    for (let i = 1; i <= 45; i += 1) expect((await postTo(base, { index: index + i })).status).toBe(202);
    const { context, page } = await openApp(browser, { baseURL: base });
    // F(index) shown failed, as a worker's last attempt leaves it.
    await page.route(
      (url) => url.pathname === '/api/calculations' && !url.searchParams.has('cursor'),
      async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as { items: unknown[] };
        const failed = { index, status: 'failed', exact: true, digits: null, head: null, tail: null, durationMs: null, createdAt: new Date().toISOString(), completedAt: null, error: 'the worker stopped' };
        await route.fulfill({ response, json: { ...body, items: [failed, ...body.items] } });
      },
    );
    await page.reload();
    await calculationCard(page, index).locator('.status-failed').waitFor();
    await page.unrouteAll({ behavior: 'wait' });
    await tabTo(page, `Retry F(${index})`);
    await page.keyboard.press('Enter');
    await calculationCard(page, index).locator('.status-done').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.index)).toBe(String(index));

    // Pages of older values until the last: each time the focus goes to the first value loaded.
    const values = page.locator('section.values');
    let pages = 0;
    for (; (await values.getByRole('button', { name: 'Load more' }).count()) > 0; pages++) {
      expect(pages).toBeLessThan(100);
      // The value the list ends with.
      const last = await values.locator('li.calculation').last().getAttribute('data-index');
      await values.getByRole('button', { name: 'Load more' }).focus();
      await page.keyboard.press('Enter');
      // A page's read waits its turn on a machine the other tests keep busy.
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.matches('section.values li.calculation') ?? false), { timeout: 30_000 })
        .toBe(true);
      expect(await page.evaluate(() => (document.activeElement!.previousElementSibling as HTMLElement | null)?.dataset.index)).toBe(last);
    }
    expect(pages).toBeGreaterThan(0);
    await context.close();
  });
});
