import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, calculationCard, freshIndex, launchBrowser, openApp } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function valueFromApi(index: number): Promise<string> {
  const response = await fetch(`${baseUrl}/api/calculations/${index}/value`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('the values of done calculations', () => {
  it('downloads a value of over 100,000 digits exactly as the API streams it', async () => {
    const { context, page } = await openApp(browser, { acceptDownloads: true });
    // F(n) has about 0.209 n digits: these indexes give 104,000 to 115,000.
    const index = freshIndex(500_000, 50_000);
    await page.getByLabel('Enter your index').fill(String(index));
    await page.getByLabel('Enter your index').press('Enter');
    const card = calculationCard(page, index);
    await card.locator('.status-done').waitFor({ timeout: 60_000 });

    // Only both ends are on the page; the value itself goes straight to a file.
    const shown = (await card.locator('.value').textContent()) ?? '';
    expect(shown.replace(/\D/g, '').length).toBeLessThan(1_000);
    // Read out as a sentence; the ends and the gap drawn between them are for the eye.
    expect(await card.locator('.value .visually-hidden').textContent()).toMatch(/^Begins \d+, ends \d+; [\d,]+ digits between are not shown\.$/);
    expect(await card.locator('.value > [aria-hidden=true]').count()).toBe(1);

    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('link', { name: `Download F(${index})` }).click()]);
    expect(download.suggestedFilename()).toBe(`fibonacci-${index}.txt`);
    const saved = await readFile(await download.path(), 'utf8');
    const expected = await valueFromApi(index);
    expect(saved.length).toBeGreaterThanOrEqual(100_000);
    expect(saved).toBe(expected);
    await context.close();
  });

  it('shows a summary-only calculation by its length and ends, with nothing to copy or download', async () => {
    const { context, page } = await openApp(browser);
    // Above the topology's MAX_EXACT_INDEX (9,500,000; e2e/setup/global.ts).
    const index = freshIndex(9_600_000, 400_000);
    await page.getByLabel('Enter your index').fill(String(index));
    await page.getByLabel('Enter your index').press('Enter');
    const card = calculationCard(page, index);
    await card.locator('.status-done').waitFor({ timeout: 30_000 });
    const summary = await (await fetch(`${baseUrl}/api/calculations/${index}`)).json();
    expect(summary).toMatchObject({ exact: false, status: 'done' });
    expect(await card.locator('.value').textContent()).toContain(summary.head);
    await card.getByText('too large to keep whole: its length and ends only').waitFor();
    expect(await card.getByRole('button', { name: `Copy F(${index})` }).count()).toBe(0);
    expect(await card.getByRole('link', { name: `Download F(${index})` }).count()).toBe(0);
    // The page promises exact values only as far as the server keeps them.
    await page.getByRole('contentinfo').getByText('Values up to F(9,500,000) are exact and downloaded in full').waitFor();
    await context.close();
  });

  it('copies a value to the clipboard', async () => {
    const { context, page } = await openApp(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    const index = freshIndex(5_000, 5_000);
    await page.getByLabel('Enter your index').fill(String(index));
    await page.getByLabel('Enter your index').press('Enter');
    const card = calculationCard(page, index);
    await card.locator('.status-done').waitFor({ timeout: 30_000 });

    await card.getByRole('button', { name: `Copy F(${index})` }).click();
    await card.getByRole('button', { name: `Copy F(${index})` }).filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await valueFromApi(index));

    // The server out of reach: said as the rest of the page says it, not in the browser's words.
    await page.route(`**/api/calculations/${index}/value`, (route) => route.abort('connectionrefused'));
    await card.getByRole('button', { name: `Copy F(${index})` }).click();
    await expect.poll(() => card.locator('.action-problem').textContent()).toBe('The server cannot be reached. Check your connection and try again.');
    // Once the page is live again after an outage, the message is out of date and goes.
    await context.setOffline(true);
    await page.locator('.connection.is-retrying').waitFor({ timeout: 10_000 });
    await context.setOffline(false);
    await expect.poll(() => card.locator('.action-problem').count(), { timeout: 20_000 }).toBe(0);
    await context.close();
  });
});
