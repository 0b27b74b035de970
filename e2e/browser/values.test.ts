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
    const { head, tail, digits } = (await (await fetch(`${baseUrl}/api/calculations/${index}`)).json()) as { head: string; tail: string; digits: number };
    const hidden = (digits - 40).toLocaleString('en-US');
    // For the eye: on one line, both ends and how many digits lie between; on a phone, where both ends
    // do not fit one line, a line each, the first ending in "…" and the second beginning with it.
    expect(await card.locator('.value > [aria-hidden=true]').innerText()).toBe(`${head}…${hidden} more…${tail}`);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await card.locator('.value > [aria-hidden=true]').innerText()).toBe(`${head}…\n…${tail}`);
    await page.setViewportSize({ width: 1280, height: 900 });

    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('link', { name: `Download F(${index})` }).click()]);
    expect(download.suggestedFilename()).toBe(`fibonacci-${index}.txt`);
    const saved = await readFile(await download.path(), 'utf8');
    const expected = await valueFromApi(index);
    expect(saved.length).toBeGreaterThanOrEqual(100_000);
    expect(saved).toBe(expected);
    await context.close();
  });

  it('shows a value of 41 to 51 digits whole, where a gap would be as wide as the digits it hides', async () => {
    const { context, page } = await openApp(browser);
    // F(194) to F(245): 41 to 51 digits.
    const index = freshIndex(194, 52);
    await page.getByLabel('Enter your index').fill(String(index));
    await page.getByLabel('Enter your index').press('Enter');
    const card = calculationCard(page, index);
    await card.locator('.status-done').waitFor({ timeout: 30_000 });
    const value = await valueFromApi(index);
    expect(value.length).toBeGreaterThan(40);
    await expect.poll(() => card.locator('.value').textContent()).toBe(value);
    await context.close();
  });

  it('shows a summary-only calculation by its length and ends, with nothing to copy or download', async () => {
    const { context, page } = await openApp(browser);
    // The field's hint tells where exact values end before anything is asked.
    await expect
      .poll(() => page.locator('.field-hint').textContent())
      .toContain('Every digit up to F(9,500,000); above that, its length and its first and last digits.');
    // Above the topology's MAX_EXACT_INDEX (9,500,000; e2e/setup/global.ts).
    const index = freshIndex(9_600_000, 400_000);
    await page.getByLabel('Enter your index').fill(String(index));
    await page.getByLabel('Enter your index').press('Enter');
    const card = calculationCard(page, index);
    await card.locator('.status-done').waitFor({ timeout: 30_000 });
    const summary = await (await fetch(`${baseUrl}/api/calculations/${index}`)).json();
    expect(summary).toMatchObject({ exact: false, status: 'done' });
    expect(await card.locator('.value').textContent()).toContain(summary.head);
    await card.getByText('Too large to work out in full: only its length and first and last digits are known, so there is nothing to copy or download.').waitFor();
    expect(await card.getByRole('button', { name: `Copy F(${index})` }).count()).toBe(0);
    expect(await card.getByRole('link', { name: `Download F(${index})` }).count()).toBe(0);
    // No room is kept for actions that never come: the card ends with its explanation, on a phone too.
    const below = () => card.evaluate((item) => item.getBoundingClientRect().bottom - item.querySelector('.meta')!.getBoundingClientRect().bottom);
    expect(await below()).toBeLessThan(20);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await below()).toBeLessThan(20);
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
    // Said below the buttons, which stay side by side.
    const copyBox = (await card.getByRole('button', { name: `Copy F(${index})` }).boundingBox())!;
    const downloadBox = (await card.getByRole('link', { name: `Download F(${index})` }).boundingBox())!;
    const problemBox = (await card.locator('.action-problem').boundingBox())!;
    expect(downloadBox.y).toBe(copyBox.y);
    expect(problemBox.y).toBeGreaterThanOrEqual(copyBox.y + copyBox.height);
    // Once the page is live again after an outage, the message is out of date and goes.
    await context.setOffline(true);
    await page.locator('.connection.is-retrying').waitFor({ timeout: 10_000 });
    await context.setOffline(false);
    await expect.poll(() => card.locator('.action-problem').count(), { timeout: 20_000 }).toBe(0);
    await context.close();
  });
});
