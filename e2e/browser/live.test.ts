import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiJson, baseUrl, calculationCard, freshIndex, launchBrowser, openApp, postIndex, saveScreenshot, waitUntilLive } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('live updates', () => {
  it('shows each page the other’s submissions as they happen', async () => {
    const alice = await openApp(browser);
    const bob = await openApp(browser);
    const [first, second] = [freshIndex(30_000, 10_000), freshIndex(40_000, 10_000)];

    await alice.page.getByLabel('Enter your index').fill(String(first));
    await alice.page.getByLabel('Enter your index').press('Enter');
    await calculationCard(bob.page, first).locator('.status-done').waitFor({ timeout: 30_000 });
    await bob.page.locator('.submission', { hasText: first.toLocaleString('en-US') }).first().waitFor();

    await bob.page.getByLabel('Enter your index').fill(String(second));
    await bob.page.getByLabel('Enter your index').press('Enter');
    await calculationCard(alice.page, second).locator('.status-done').waitFor({ timeout: 30_000 });
    await alice.page.locator('.submission', { hasText: second.toLocaleString('en-US') }).first().waitFor();

    // Each index is shown once, however many events and re-reads told of it.
    for (const { page } of [alice, bob]) {
      for (const index of [first, second]) expect(await calculationCard(page, index).count()).toBe(1);
    }
    await alice.context.close();
    await bob.context.close();
  });

  it('says when the connection drops, reconnects when it is back, and catches up on what it missed', async () => {
    const { context, page } = await openApp(browser);
    await context.setOffline(true);
    await page.locator('.connection.is-retrying').waitFor({ timeout: 10_000 });
    expect(await page.locator('.connection').textContent()).toContain('Offline');
    // Without a network an attempt can only fail: nothing offers one.
    expect(await page.getByRole('button', { name: 'Reconnect now' }).count()).toBe(0);
    await saveScreenshot(page, 'calculator-offline-1280-light');

    const missed = freshIndex(50_000, 10_000);
    const response = await postIndex(missed);
    expect([200, 202]).toContain(response.status);
    await expect.poll(() => fetchStatus(missed), { timeout: 30_000 }).toBe('done');
    expect(await calculationCard(page, missed).count()).toBe(0);

    // Coming back online reconnects at once rather than waiting out the backoff.
    await context.setOffline(false);
    await waitUntilLive(page, 5_000);
    await calculationCard(page, missed).locator('.status-done').waitFor({ timeout: 10_000 });
    await page.locator('.submission', { hasText: missed.toLocaleString('en-US') }).first().waitFor();
    await context.close();
  });

  it('drops what said the server could not be reached once it is back, and keeps the server’s refusals', async () => {
    // More than a page of values, so that "Load more" is offered.
    const first = freshIndex(99_500, 470);
    for (let i = 0; i <= 20; i += 1) expect([200, 202]).toContain((await postIndex(first + i)).status);
    const { body: config } = await apiJson<{ maxIndex: number }>('/api/config');
    const tooLarge = config.maxIndex + 1;
    const refusal = ((await postIndex(tooLarge)).body as { error: { message: string } }).error.message;

    // The page believes in a higher limit, so that the server refuses the index, not the page.
    const { context, page } = await openApp(browser);
    await page.route('**/api/config', (route) => route.fulfill({ json: { ...config, maxIndex: tooLarge * 10 } }));
    await page.reload();
    await waitUntilLive(page);
    const field = page.getByLabel('Enter your index');
    const fieldError = page.locator('.index-form .field-error');
    const loadMore = page.locator('section.values .load-more');
    const unreachable = 'The server cannot be reached. Check your connection and try again.';
    await field.fill(String(tooLarge));
    await field.press('Enter');
    await expect.poll(() => fieldError.textContent()).toBe(refusal);

    const goOffline = async () => {
      await context.setOffline(true);
      await page.locator('.connection.is-retrying').waitFor({ timeout: 10_000 });
      await loadMore.getByRole('button', { name: 'Load more' }).click();
      await expect.poll(() => loadMore.locator('.field-error').textContent()).toBe(unreachable);
    };
    const comeBack = async () => {
      await context.setOffline(false);
      await waitUntilLive(page, 5_000);
      await expect.poll(() => loadMore.locator('.field-error').count()).toBe(0);
    };

    // The refusal is about the index: it stays, the server back or not.
    await goOffline();
    await comeBack();
    expect(await fieldError.textContent()).toBe(refusal);

    // A submission that could not reach the server is said until the server is back, without editing the field.
    await goOffline();
    await field.fill('12');
    await field.press('Enter');
    await expect.poll(() => fieldError.textContent()).toBe(unreachable);
    await comeBack();
    await expect.poll(() => fieldError.textContent()).toBe('');
    expect(await field.inputValue()).toBe('12');
    await context.close();
  });

  it('keeps trying to catch up when the re-read after a reconnection fails', async () => {
    const { context, page } = await openApp(browser);
    await context.setOffline(true);
    await page.locator('.connection.is-retrying').waitFor({ timeout: 10_000 });
    const missed = freshIndex(3_400, 900);
    expect([200, 202]).toContain((await postIndex(missed)).status);
    await expect.poll(() => fetchStatus(missed), { timeout: 30_000 }).toBe('done');

    // The server is busy when the page comes back: the first re-read of the list is refused.
    let refused = 0;
    await page.route(
      (url) => url.pathname === '/api/calculations',
      (route) =>
        route.request().method() === 'GET' && refused++ === 0
          ? route.fulfill({ status: 503, headers: { 'retry-after': '5' }, json: { error: { code: 'SERVICE_UNAVAILABLE', message: 'busy' } } })
          : route.continue(),
    );
    await context.setOffline(false);
    await waitUntilLive(page, 5_000);
    await calculationCard(page, missed).locator('.status-done').waitFor({ timeout: 15_000 });
    expect(refused).toBeGreaterThanOrEqual(2);
    await context.close();
  });

  it('brings its own submissions up to date, and says so, after missing their events', async () => {
    const { context, page } = await openApp(browser);
    await page.route('**/api/events', (route) => route.abort('connectionrefused'));
    await page.reload();
    await page.locator('.connection.is-retrying').waitFor({ timeout: 10_000 });
    // The network is there, the server did not answer: not "Offline", which sends people to their Wi-Fi.
    expect(await page.locator('.connection').textContent()).toContain('Server unreachable');

    const first = freshIndex(1_200_000, 150_000);
    const second = first + 150_000;
    const latest = page.locator('section.latest');
    for (const index of [first, second]) {
      await page.getByLabel('Enter your index').fill(String(index));
      await page.getByLabel('Enter your index').press('Enter');
      await expect.poll(() => latest.textContent()).toContain(index.toLocaleString('en-US'));
      await latest.locator('.status-queued, .status-running').waitFor();
    }
    for (const index of [first, second]) await expect.poll(() => fetchStatus(index), { timeout: 30_000 }).toBe('done');

    await page.unroute('**/api/events');
    // As the browser coming back online does: an attempt at once while one is waited for. One refused
    // just before the route went ends waiting first; one begun since goes through.
    await page.locator('.connection.is-retrying, .connection.is-live').waitFor();
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await waitUntilLive(page, 5_000);
    // The card of the latest, wherever the list has it, and both results said, though they came at once.
    await latest.locator('.status-done').waitFor({ timeout: 10_000 });
    const said = () => page.locator('[role=status][aria-live=polite]').textContent();
    await expect.poll(said).toMatch(new RegExp(`F\\(${first}\\) is ready`));
    expect(await said()).toMatch(new RegExp(`F\\(${second}\\) is ready`));
    await context.close();
  });

  it('gives its event stream back while hidden, and catches up when shown again', async () => {
    const { context, page } = await openApp(browser);
    await page.clock.install();
    const setHidden = (hidden: boolean) =>
      page.evaluate((hidden) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await page.clock.runFor(11_000);
    await page.locator('.connection.is-paused').waitFor({ timeout: 5_000 });

    const missed = freshIndex(1_600_000, 200_000);
    expect([200, 202]).toContain((await postIndex(missed)).status);
    await expect.poll(() => fetchStatus(missed), { timeout: 30_000 }).toBe('done');
    await setHidden(false);
    await waitUntilLive(page, 5_000);
    await calculationCard(page, missed).locator('.status-done').waitFor({ timeout: 10_000 });
    await context.close();
  });

  it('gives its event stream back when opened in the background, never shown', async () => {
    const context = await browser.newContext({ baseURL: baseUrl });
    const page = await context.newPage();
    await page.clock.install();
    await page.addInitScript(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    });
    await page.goto('/');
    await page.clock.runFor(11_000);
    await page.locator('.connection.is-paused').waitFor({ timeout: 5_000 });
    await context.close();
  });

  it('backs off while the event stream is refused, and reconnects at once when asked', async () => {
    const { context, page } = await openApp(browser);
    let attempts = 0;
    await page.route('**/api/events', (route) => {
      attempts += 1;
      return route.abort('connectionrefused');
    });
    await page.reload();
    // By the fourth refusal the wait has grown to at least 4 s (1 s doubling, half of it random), so an
    // attempt within the next second can only be the button's doing.
    await expect.poll(() => attempts, { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    await page.locator('.connection.is-retrying').waitFor();
    const before = attempts;
    await page.getByRole('button', { name: 'Reconnect now' }).click();
    await expect.poll(() => attempts, { timeout: 1_000 }).toBe(before + 1);
    // The button went with the attempt it started: its focus went to the status, not to the page's start.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role') === 'status' && document.activeElement.closest('.connection') !== null)).toBe(true);
    // Read out, the outage is one sentence, whichever step of an attempt it is at (connecting, refused).
    const said = page.locator('.connection [role=status] .visually-hidden');
    await page.locator('.connection.is-retrying').waitFor();
    expect(await said.textContent()).toBe('Live updates paused. Reconnecting.');
    await page.getByRole('button', { name: 'Reconnect now' }).click();
    expect(await said.textContent()).toBe('Live updates paused. Reconnecting.');

    await page.locator('.connection.is-retrying').waitFor();
    await page.unroute('**/api/events');
    await page.getByRole('button', { name: 'Reconnect now' }).click();
    await waitUntilLive(page, 5_000);
    await context.close();
  });
});

async function fetchStatus(index: number): Promise<string> {
  return (await apiJson<{ status: string }>(`/api/calculations/${index}`)).body.status;
}
