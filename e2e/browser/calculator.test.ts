import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiJson, calculationCard, freshIndex, latestCard, launchBrowser, openApp, postIndex } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const field = (page: Page) => page.getByLabel('Enter your index');

describe('the calculator page', () => {
  it('shows a submitted value without a reload', async () => {
    const { context, page } = await openApp(browser);
    const index = freshIndex(20_000, 10_000);
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));

    await field(page).fill(String(index));
    await page.getByRole('button', { name: 'Calculate' }).click();

    const card = calculationCard(page, index);
    await card.locator('.status-done').waitFor({ timeout: 30_000 });
    const { body } = await apiJson<{ head: string; tail: string; digits: number }>(`/api/calculations/${index}`);
    await expect(card.locator('.value').textContent()).resolves.toContain(body.head);
    await expect(card.locator('.value').textContent()).resolves.toContain(body.tail);
    await expect(card.locator('.meta').textContent()).resolves.toContain(`${body.digits.toLocaleString('en-US')} digits`);
    expect(await field(page).inputValue()).toBe('');
    expect(navigations).toEqual([]);
    await context.close();
  });

  it('shows the answer to each submission by the form, an index computed long ago too', async () => {
    // F(old) is done, and more than a page of newer calculations hides its card in the list.
    const old = freshIndex(10_000, 9_970);
    for (let i = 0; i <= 20; i += 1) expect((await postIndex(old + i)).status).toBe(202);
    await expect.poll(async () => (await apiJson<{ status: string }>(`/api/calculations/${old}`)).body.status, { timeout: 30_000 }).toBe('done');
    const { context, page } = await openApp(browser);
    await calculationCard(page, old + 20).waitFor();

    await field(page).fill(String(old));
    await page.getByRole('button', { name: 'Calculate' }).click();
    const latest = latestCard(page);
    await latest.locator('.status-done').waitFor();
    expect(await latest.getAttribute('data-index')).toBe(String(old));
    expect(await latest.locator('.value').textContent()).toContain((await apiJson<{ head: string }>(`/api/calculations/${old}`)).body.head);
    await expect.poll(() => page.locator('[role=status][aria-live=polite]').textContent()).toMatch(new RegExp(`^F\\(${old}\\) is ready: .* digits\\.$`));
    await expect(calculationCard(page, old).count()).resolves.toBe(0);

    // A new index: its card there follows it live to done, even when the answer to the submission
    // comes after the event that says it is done (held back here, as a slow network may).
    const fresh = old + 21;
    await page.route('**/api/calculations', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const response = await route.fetch();
      await expect.poll(async () => (await apiJson<{ status: string }>(`/api/calculations/${fresh}`)).body.status, { timeout: 30_000 }).toBe('done');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await route.fulfill({ response });
    });
    await field(page).fill(String(fresh));
    await page.getByRole('button', { name: 'Calculate' }).click();
    await expect.poll(() => latest.getAttribute('data-index'), { timeout: 30_000 }).toBe(String(fresh));
    await latest.locator('.status-done').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('[role=status][aria-live=polite]').textContent()).toMatch(new RegExp(`^F\\(${fresh}\\) is ready`));
    await context.close();
  });

  it('sends an index typed while the one before is being sent, and keeps what was typed since', async () => {
    const { context, page } = await openApp(browser);
    const first = freshIndex(99_100, 400);
    const second = first + 400;
    // Each submission is held until let go, as on a slow network.
    const posted: number[] = [];
    const held: (() => void)[] = [];
    await page.route('**/api/calculations', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      posted.push((route.request().postDataJSON() as { index: number }).index);
      await new Promise<void>((letGo) => held.push(letGo));
      await route.continue();
    });
    const button = page.locator('.index-form button[type=submit]');

    await field(page).fill(String(first));
    await field(page).press('Enter');
    await expect.poll(() => posted).toEqual([first]);
    // What the field holds is on its way: not sent twice.
    expect(await button.textContent()).toBe('Sending…');
    expect(await button.isDisabled()).toBe(true);

    // Typed while the first is still being sent, and sent too.
    await field(page).fill(String(second));
    expect(await button.isDisabled()).toBe(false);
    await field(page).press('Enter');
    await expect.poll(() => posted).toEqual([first, second]);

    // The first is answered: the field keeps the second, typed since. (Its answer is not the latest:
    // the page has it once its card is in the list and a frame has been drawn since.)
    const answered = page.waitForResponse((response) => response.request().method() === 'POST' && response.request().postDataJSON().index === first);
    held[0]!();
    await (await answered).finished();
    await calculationCard(page, first).waitFor({ timeout: 15_000 });
    await page.evaluate(() => new Promise((drawn) => requestAnimationFrame(() => requestAnimationFrame(drawn))));
    expect(await field(page).inputValue()).toBe(String(second));
    // The second is answered: the field held just what was sent, and is cleared.
    held[1]!();
    await expect.poll(() => latestCard(page).getAttribute('data-index'), { timeout: 15_000 }).toBe(String(second));
    await expect.poll(() => field(page).inputValue()).toBe('');
    for (const index of [first, second]) await calculationCard(page, index).locator('.status-done').waitFor({ timeout: 30_000 });
    await context.close();
  });

  it('reads the server’s limits again when the first read fails', async () => {
    const { body: config } = await apiJson<{ maxIndex: number }>('/api/config');
    const { context, page } = await openApp(browser);
    let refused = 0;
    await page.route('**/api/config', (route) =>
      refused++ === 0 ? route.fulfill({ status: 503, json: { error: { code: 'SERVICE_UNAVAILABLE', message: 'unavailable' } } }) : route.continue(),
    );
    await page.reload();
    await expect
      .poll(() => page.locator('.field-hint').textContent(), { timeout: 15_000 })
      .toContain(`to ${config.maxIndex.toLocaleString('en-US')}`);
    expect(refused).toBe(2);
    await context.close();
  });

  it('explains a bad index before sending it, and sends nothing', async () => {
    const { context, page } = await openApp(browser);
    const posts: string[] = [];
    page.on('request', (request) => request.method() === 'POST' && posts.push(request.url()));

    for (const [typed, message] of [
      ['-4', 'index must be 0 or more'],
      ['2.5', 'index must be a whole number'],
      ['', 'index is required'],
    ] as const) {
      await field(page).fill(typed);
      await field(page).press('Enter');
      // The message renders after the keypress is handled: wait for it rather than read it once.
      await expect.poll(() => page.locator('.field-error').textContent()).toBe(message);
      expect(await field(page).getAttribute('aria-invalid')).toBe('true');
    }
    expect(posts).toEqual([]);
    await context.close();
  });

  it('shows the server’s message for an index the server refuses, and stores nothing', async () => {
    const { body: config } = await apiJson<{ maxIndex: number }>('/api/config');
    const tooLarge = config.maxIndex + 1;
    const { body: refusal } = await postIndex(tooLarge);
    const serverMessage = (refusal as { error: { message: string } }).error.message;

    // The page believes in a higher limit (as if the server's changed since it loaded), so only the
    // server can refuse the index.
    const { context, page } = await openApp(browser);
    await page.route('**/api/config', (route) => route.fulfill({ json: { maxIndex: tooLarge * 10 } }));
    await page.reload();
    await field(page).fill(String(tooLarge));
    const answer = page.waitForResponse((response) => response.url().endsWith('/api/calculations') && response.request().method() === 'POST');
    await field(page).press('Enter');
    expect((await answer).status()).toBe(400);

    // The answer has arrived; the page renders its message right after.
    await expect.poll(() => page.locator('.field-error').textContent()).toBe(serverMessage);
    expect(await field(page).getAttribute('aria-invalid')).toBe('true');
    const { body: submissions } = await apiJson<{ items: { index: number }[] }>('/api/submissions?limit=100');
    expect(submissions.items.map((s) => s.index)).not.toContain(tooLarge);
    await expect(calculationCard(page, tooLarge).count()).resolves.toBe(0);

    // A server out of reach says so, without calling the index wrong.
    await page.route('**/api/calculations', (route) => route.abort('connectionrefused'));
    await field(page).fill('12');
    await field(page).press('Enter');
    await expect.poll(() => page.locator('.field-error').textContent()).toMatch(/^The server cannot be reached/);
    expect(await field(page).getAttribute('aria-invalid')).toBe('false');
    await context.close();
  });

  it('shows why a calculation failed and computes it on retry', async () => {
    const index = freshIndex(80_000, 10_000);
    const { context, page } = await openApp(browser);
    // The list reports F(index) failed, as it does once a worker's last attempt gives up.
    const failed = {
      index,
      status: 'failed',
      digits: null,
      head: null,
      tail: null,
      durationMs: null,
      createdAt: new Date().toISOString(),
      completedAt: null,
      error: 'the worker stopped before finishing',
    };
    const isList = (url: URL) => url.pathname === '/api/calculations';
    await page.route(isList, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { items: unknown[] };
      await route.fulfill({ response, json: { ...body, items: [failed, ...body.items] } });
    });
    await page.reload();
    const card = calculationCard(page, index);
    await card.locator('.status-failed').waitFor();
    expect(await card.locator('.failure').textContent()).toBe('the worker stopped before finishing');

    // Waits for a re-read still being rewritten, so it is not left half-handled.
    await page.unrouteAll({ behavior: 'wait' });
    await card.getByRole('button', { name: `Retry F(${index})` }).click();
    await card.locator('.status-done').waitFor({ timeout: 30_000 });
    await context.close();
  });

  it('pages through older values with "Load more", never showing one twice', async () => {
    // More than one page (20) of calculations, whatever else the run has stored.
    const first = freshIndex(60_000, 9_975);
    for (let i = 0; i < 25; i += 1) await postIndex(first + i);
    const { context, page } = await openApp(browser);
    const cards = page.locator('.values li.calculation');
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(20);
    const before = await cards.count();

    await page.getByRole('button', { name: 'Load more' }).first().click();
    await expect.poll(() => cards.count()).toBeGreaterThan(before);
    const indexes = await cards.evaluateAll((items) => items.map((item) => item.getAttribute('data-index')));
    expect(new Set(indexes).size).toBe(indexes.length);
    await context.close();
  });
});
