import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveEngine } from '../../server/src/fib/engine.js';
import type { ManagedProcess } from '../topology/process.js';
import { getJson } from '../support/api.js';
import { seriousViolations } from '../support/axe.js';
import { launchBrowser } from '../support/browser.js';
import { startEmbedded } from '../support/embedded.js';
import { freePort } from '../support/ports.js';

const baseUrl = inject('baseUrl');
const databaseUrl = inject('databaseUrl');
const adminPassword = inject('adminPassword');

describe('the admin page in Chromium, through nginx', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it('is refused without the credentials, through nginx', async () => {
    for (const path of ['/admin', '/admin/queues', '/api/admin/stats']) {
      const response = await fetch(`${baseUrl}${path}`);
      expect(response.status, path).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'credentials required' } });
    }
  });

  it('takes an action from its own origin, port included, and refuses one from another, through nginx', async () => {
    // As a browser that sends Origin but not Sec-Fetch-Site does.
    const retry = (origin: string) =>
      fetch(`${baseUrl}/api/admin/calculations/1/retry`, {
        method: 'POST',
        headers: { origin, authorization: `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}` },
      });
    const own = await retry(new URL(baseUrl).origin);
    // Never failed: refused for what it is, not for where it comes from.
    expect([404, 409]).toContain(own.status);
    await own.arrayBuffer();
    const other = await retry('https://elsewhere.example');
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: { code: 'CROSS_SITE_REQUEST' } });
  });

  it('shows the workers and the queue, retries a failed calculation, makes a backup', async () => {
    // A calculation whose job failed for good, as a worker's onFailed leaves it.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(`INSERT INTO calculations (index, status, error, completed_at) VALUES (4242, 'failed', 'The computation failed.', now())`);
    await db.end();

    // In a browser whose zone is half an hour off any whole hour from UTC, as an operator in India's is.
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: adminPassword }, timezoneId: 'Asia/Kolkata', locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/admin`);
    await expect.poll(() => page.getByRole('heading', { name: 'Workers online: 2' }).count(), { timeout: 15_000 }).toBe(1);
    // The queue's tiles count jobs, apart from the calculations finished.
    expect(await page.getByRole('region', { name: 'Jobs in the queue', exact: true }).getByTestId('queue-completed').count()).toBe(1);
    expect(await page.getByRole('region', { name: /^Calculations in the last \d+ min$/ }).getByTestId('jobs-per-minute').count()).toBe(1);
    // Every table says what its columns hold.
    for (const [table, headers] of [
      ['Workers table', ['host', 'pid', 'concurrency', 'engine', 'last heartbeat', 'running']],
      ['Schedules table', ['job', 'schedule (UTC)', 'next run', 'last run', 'took', 'outcome']],
      ['Slowest calculations table', ['calculation', 'digits', 'took']],
    ] as const) {
      expect(await page.getByRole('region', { name: table, exact: true }).getByRole('columnheader').allTextContents(), table).toEqual(headers);
    }
    // Each worker says which engine it computes with: the one this build and FIB_ENGINE's default give.
    const engine = page.getByRole('region', { name: 'Workers' }).getByRole('cell', { name: resolveEngine('auto'), exact: true });
    expect(await engine.count()).toBe(2);
    // And what it runs now: nothing, or each job since when.
    const running = await page.getByRole('region', { name: 'Workers table' }).locator('tbody tr td:last-child').allTextContents();
    expect(running).toEqual([expect.stringMatching(/^(idle|.+ since .+)$/), expect.stringMatching(/^(idle|.+ since .+)$/)]);
    // The schedules the workers declared, as Redis holds them (the defaults), each with its next run.
    await expect.poll(() => scheduleRows(page), { timeout: 15_000 }).toEqual([
      ['backup', '0 3 * * *'],
      ['prune', '17 * * * *'],
      ['reconcile', '*/10 * * * *'],
    ]);
    // `0 3 * * *` (UTC) runs next at 08:30 there, and the page says in which zone that is.
    const backupRun = page.getByRole('region', { name: 'Schedules table' }).getByRole('row').filter({ has: page.getByRole('cell', { name: 'backup', exact: true }) });
    expect(await backupRun.getByRole('cell').nth(2).textContent()).toMatch(/08:30(:00)? AM GMT\+5:30$/);
    // The failed calculation, its index grouped as the main page groups it, under the list's headers.
    const failed = page.getByRole('region', { name: 'Failed calculations table', exact: true });
    const retry = page.getByRole('button', { name: 'Retry F(4,242)' });
    await expect.poll(() => retry.count(), { timeout: 15_000 }).toBe(1);
    expect(await failed.getByRole('columnheader').allTextContents()).toEqual(['calculation', 'error', 'action']);
    expect(await failed.getByRole('cell', { name: 'F(4,242)', exact: true }).count()).toBe(1);
    await retry.click();
    await expect.poll(() => retry.count(), { timeout: 15_000 }).toBe(0);
    // Its row went: the focus is on the list it was in, and the list says what was done.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Failed calculations');
    expect(await page.getByRole('region', { name: 'Failed calculations', exact: true }).getByRole('status').textContent()).toBe('F(4,242) is queued again.');
    // Computed by a worker.
    await expect.poll(async () => (await getJson(`${baseUrl}/api/calculations/4242`)).status, { timeout: 15_000 }).toBe('done');
    await expect.poll(() => page.getByTestId('queue-completed').textContent(), { timeout: 15_000 }).not.toBe('0');

    await page.getByRole('button', { name: 'Back up now' }).click();
    await expect.poll(() => page.getByText(/^fibstack-.*\.pgdump/).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // Said beside the button, and no longer beside the retry.
    await expect.poll(() => page.getByRole('region', { name: 'Backups' }).getByRole('status').textContent()).toMatch(/^Backup fibstack-.*\.pgdump made\.$/);
    expect(await page.getByRole('region', { name: 'Failed calculations', exact: true }).getByRole('status').textContent()).toBe('');

    const refused: string[] = [];
    page.on('console', (message) => {
      // bull-board links a web font from Google: kept blocked (no third-party requests), system fonts serve.
      if (/Content Security Policy/i.test(message.text()) && !message.text().includes('fonts.googleapis.com')) refused.push(message.text());
    });
    // The page links the dashboard (the queue here is BullMQ's).
    const [dashboard] = await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Queue dashboard' }).click()]);
    expect(dashboard?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/admin/queues');
    // The dashboard's own app renders the queue (its name is a link in the menu).
    await expect.poll(() => page.getByText('calculations').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(refused).toEqual([]);
    await context.close();
  });

  it('shows that its tables scroll sideways on a narrow screen, and lets the keyboard scroll them', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: adminPassword }, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/admin`);
    await expect.poll(() => page.getByRole('heading', { name: 'Workers online: 2' }).count(), { timeout: 15_000 }).toBe(1);
    // Every box that scrolls sideways takes the focus and is named after its table (axe's scrollable-region-focusable).
    const boxes = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('main *')]
        .filter((element) => getComputedStyle(element).overflowX === 'auto')
        .map((element) => ({ tabIndex: element.tabIndex, role: element.getAttribute('role'), name: element.getAttribute('aria-label') })),
    );
    expect(boxes).toEqual(
      ['Workers table', 'Schedules table', 'Slowest calculations table', 'Failed calculations table'].map((name) => ({ tabIndex: 0, role: 'region', name })),
    );
    // The workers' table is wider than the screen: Tab reaches its box, and the arrow keys scroll it.
    const workers = page.getByRole('region', { name: 'Workers table' });
    expect(await workers.evaluate((element) => element.scrollWidth > element.clientWidth)).toBe(true);
    // A shadow marks the edge the table goes on past: the right one at first, the left one at the end.
    // (Read in the header row's top padding, where no text is.)
    const edges = async () => {
      const box = (await workers.boundingBox())!;
      const y = Math.round(box.y) + 2;
      const left = await pixel(page, Math.ceil(box.x) + 1, y);
      const right = await pixel(page, Math.floor(box.x + box.width) - 2, y);
      return { left, right, surface: await pixel(page, Math.floor(box.x) - 4, y) };
    };
    const start = await edges();
    expect(start.left).toEqual(start.surface);
    expect(difference(start.right, start.surface)).toBeGreaterThan(30);
    await workers.evaluate((element) => element.scrollTo({ left: element.scrollWidth, behavior: 'instant' }));
    const end = await edges();
    expect(difference(end.left, end.surface)).toBeGreaterThan(30);
    expect(end.right).toEqual(end.surface);
    await workers.evaluate((element) => element.scrollTo({ left: 0, behavior: 'instant' }));
    for (let presses = 0; presses < 10 && !(await workers.evaluate((element) => element === document.activeElement)); presses += 1) {
      await page.keyboard.press('Tab');
    }
    expect(await workers.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => workers.evaluate((element) => element.scrollLeft)).toBeGreaterThan(0);

    // What the backup button did is said beside it, on screen while the button is.
    await page.getByRole('button', { name: 'Back up now' }).click();
    const made = page.getByRole('region', { name: 'Backups' }).getByRole('status');
    await expect.poll(() => made.textContent(), { timeout: 15_000 }).toMatch(/^Backup fibstack-.*\.pgdump made\.$/);
    expect(await made.evaluate((element) => element.getBoundingClientRect().top >= 0 && element.getBoundingClientRect().bottom <= innerHeight)).toBe(true);
    await context.close();
  });
});

describe('the admin page of the embedded app in Chromium', () => {
  let browser: Browser;
  let dataDir: string;
  let server: ManagedProcess;
  let base: string;
  const password = `e2e-${randomUUID()}`;

  beforeAll(async () => {
    browser = await launchBrowser();
    dataDir = await mkdtemp(join(tmpdir(), 'fibstack-admin-embedded-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // A backup every 2 s, for a run to show; pruning off.
    server = await startEmbedded(dataDir, port, { ADMIN_PASSWORD: password, BACKUP_DIR: join(dataDir, 'backups'), BACKUP_CRON: '*/2 * * * * *', PRUNE_CRON: 'off' });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows the in-process queue’s schedules, and how the latest backup went', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password } });
    const page = await context.newPage();
    await page.goto(`${base}/admin`);
    await expect.poll(() => scheduleRows(page), { timeout: 15_000 }).toEqual([
      ['backup', '*/2 * * * * *'],
      ['prune', 'off'],
      ['reconcile', '*/10 * * * *'],
    ]);
    const backup = page.getByRole('region', { name: 'Schedules table' }).getByRole('row').filter({ has: page.getByRole('cell', { name: 'backup', exact: true }) });
    // The page refreshes every 5 s: a backup made since shows as completed, a moment ago.
    await expect.poll(() => backup.getByRole('cell').allTextContents(), { timeout: 15_000 }).toEqual([
      'backup',
      '*/2 * * * * *',
      expect.stringMatching(/\d/),
      expect.stringMatching(/^\d+ s ago$/),
      expect.stringMatching(/ m?s$/),
      'completed',
    ]);
    // One that is off says so, and has no next run.
    const prune = page.getByRole('region', { name: 'Schedules table' }).getByRole('row').filter({ has: page.getByRole('cell', { name: 'prune', exact: true }) });
    expect(await prune.getByRole('cell').allTextContents()).toEqual(['prune', 'off', '—', 'none yet', '—', '—']);
    await context.close();
  });

  it('shows what the worker runs: each job since when, the longest-running first, and how many more', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password }, timezoneId: 'UTC', locale: 'en-US' });
    const page = await context.newPage();
    // Jobs held running long enough to be seen are the queue contract tests' to make; here, the page is
    // given some, in the stats the server sent.
    const startedAt = new Date(Date.now() - 65_000).toISOString();
    const running = [
      { name: 'compute-fibonacci', id: 'fib-123456-2', startedAt, index: 123_456 },
      { name: 'compute-fibonacci-batch', id: 'fibs-b9', startedAt, calculations: 9 },
      { name: 'reconcile', id: 'repeat:reconcile:1', startedAt },
    ];
    await page.route('**/api/admin/stats', async (route) => {
      const response = await route.fetch();
      const stats = (await response.json()) as { workers: object[] };
      await route.fulfill({ response, json: { ...stats, workers: stats.workers.map((worker) => ({ ...worker, running, runningCount: 25 })) } });
    });
    await page.goto(`${base}/admin`);
    const jobs = page.getByRole('region', { name: 'Workers table' }).getByRole('listitem');
    await expect.poll(() => jobs.allTextContents(), { timeout: 15_000 }).toEqual([
      // Since when, with the zone that is in.
      expect.stringMatching(/^F\(123,456\) since .*\d\d:\d\d.* UTC$/),
      expect.stringMatching(/^batch of 9 since .* UTC$/),
      expect.stringMatching(/^reconcile since .* UTC$/),
      'and 22 more',
    ]);
    expect(await jobs.first().locator('time').getAttribute('datetime')).toBe(startedAt);
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it.each(['light', 'dark'] as const)('is accessible in the %s scheme', async (colorScheme) => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password }, colorScheme });
    const page = await context.newPage();
    await page.goto(`${base}/admin`);
    // Every section on show, a finished run's outcome in its colour among them.
    await page.getByRole('region', { name: 'Schedules table' }).getByRole('cell', { name: 'completed' }).waitFor({ timeout: 15_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });
});

/** The colour painted at one point of the page, as `[red, green, blue]`. */
async function pixel(page: Page, x: number, y: number): Promise<number[]> {
  const png = await page.screenshot({ clip: { x, y, width: 1, height: 1 } });
  // The image data are the IDAT chunks' (after the 8-byte signature, each chunk is length, type, data, CRC).
  const data: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') data.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  // One row of one pixel: a filter byte, which has nothing to the left or above to work from, then the colour.
  return [...inflateSync(Buffer.concat(data)).subarray(1, 4)];
}

function difference(a: number[], b: number[]): number {
  return a.reduce((sum, value, i) => sum + Math.abs(value - (b[i] ?? 0)), 0);
}

/** Each row of the Schedules table: its job and its schedule. */
async function scheduleRows(page: Page): Promise<string[][]> {
  const rows = await page.getByRole('region', { name: 'Schedules table' }).locator('tbody tr').all();
  return Promise.all(rows.map(async (row) => (await row.getByRole('cell').allTextContents()).slice(0, 2)));
}
