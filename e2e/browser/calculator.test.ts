import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';

const baseUrl = inject('baseUrl');

describe('the calculator page in Chromium, through nginx', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it('shows a submitted value without reloading the page', async () => {
    const page = await browser.newPage();
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(baseUrl);
    await page.getByLabel(/index/i).fill('77');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByText('5527939700884757').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(loads).toBe(1);
    await page.close();
  });
});
