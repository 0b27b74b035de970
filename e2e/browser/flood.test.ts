/**
 * A page open while more new calculations arrive than its lists add live (LIVE_ITEMS in
 * web/src/state/listReducer.ts). On a server of its own, the embedded default: the flood would reach
 * every page the other browser tests have open on the shared topology.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postIndex } from '../support/api.js';
import { launchBrowser } from '../support/browser.js';
import { startEmbedded } from '../support/embedded.js';
import { freePort } from '../support/ports.js';
import type { ManagedProcess } from '../topology/process.js';

/** LIVE_ITEMS, and this many new indexes beyond it. */
const LIVE_ITEMS = 500;
const BEYOND = 20;

describe('a page under a flood of new calculations', () => {
  let browser: Browser;
  let server: ManagedProcess;
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fibstack-flood-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startEmbedded(dataDir, port, { RATE_LIMIT_MAX: '0' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`shows ${LIVE_ITEMS} new items live, counts the rest, and shows the newest page when asked`, async () => {
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto('/');
    await page.locator('.connection.is-live').waitFor({ timeout: 15_000 });

    const indexes = Array.from({ length: LIVE_ITEMS + BEYOND }, (_, i) => 100 + i);
    for (let i = 0; i < indexes.length; i += 20) {
      const statuses = await Promise.all(indexes.slice(i, i + 20).map(async (index) => (await postIndex(base, { index })).status));
      expect(statuses.every((status) => status === 200 || status === 202)).toBe(true);
    }

    const values = page.locator('section.values');
    await values.getByRole('button', { name: `Show ${BEYOND} newer` }).waitFor({ timeout: 30_000 });
    expect(await values.locator('li.calculation').count()).toBe(LIVE_ITEMS);
    const seen = page.locator('section.seen');
    await seen.getByRole('button', { name: `Show ${BEYOND} newer` }).waitFor({ timeout: 30_000 });

    await values.getByRole('button', { name: `Show ${BEYOND} newer` }).focus();
    await page.keyboard.press('Enter');
    await values.getByRole('button', { name: /newer/ }).waitFor({ state: 'detached', timeout: 10_000 });
    // The button is gone: the focus is on the list's title, not back at the top of the page.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Calculated values');
    // The newest page: the last indexes submitted, newest first.
    const shown = await values.locator('li.calculation').evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-index'))));
    expect(shown).toHaveLength(20);
    expect(new Set(shown)).toEqual(new Set(indexes.slice(-20)));
    await context.close();
  });
});
