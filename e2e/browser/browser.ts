import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { inject } from 'vitest';

export { launchBrowser } from '../support/browser.js';

/** nginx in front of the api replicas and the built client (e2e/setup/global.ts starts them). */
export const baseUrl = inject('baseUrl');

/** Screenshots and other things a person may want to look at after a run (gitignored). */
const artifactsDir = new URL('../artifacts/', import.meta.url);

/**
 * A fresh browser profile on the app, waiting until its event stream is live. `errors` collects what
 * the page reports to its console as errors (a script or style the security policy blocked, say).
 */
export async function openApp(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/');
  await waitUntilLive(page);
  return { context, page, errors };
}

/** The card of the page's latest submission, by the form. */
export function latestCard(page: Page) {
  return page.locator('.latest li.calculation');
}

export async function waitUntilLive(page: Page, timeout = 15_000): Promise<void> {
  await page.locator('.connection.is-live').waitFor({ timeout });
}

/** The card of F(index) in "Calculated values". */
export function calculationCard(page: Page, index: number) {
  return page.locator(`.values li.calculation[data-index="${index}"]`);
}

/**
 * An index from a band of its own. Each browser test takes a different band, clear of the fixed indexes
 * e2e tests submit (2,000–3,393, 4,321 and 1,000,000 elsewhere; 12, 90, 150 and 99,999 for the
 * appearance tests, 90 for an example chip), so no test finds its index already computed by another. Above 9,500,000 an index
 * is summary-only (e2e/setup/global.ts). Bands stay below
 * EXPENSIVE_INDEX (100,000) unless a test needs a big value: a client may only have a few of those
 * pending at once, and every test is the same client.
 */
export function freshIndex(from: number, span: number): number {
  return from + Math.floor(Math.random() * span);
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await mkdir(artifactsDir, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, artifactsDir).pathname, fullPage: true });
}

export async function apiJson<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, baseUrl), init);
  return { status: response.status, body: (await response.json()) as T };
}

export function postIndex(index: unknown) {
  return apiJson<unknown>('/api/calculations', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ index }),
  });
}
