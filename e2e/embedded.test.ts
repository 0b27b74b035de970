/**
 * The embedded default — what `npm start` runs after building: one process with the API, the worker and
 * the web client, on PGlite in DATA_DIR, with no Postgres or Redis.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postIndex } from './support/api.js';
import { startEmbedded } from './support/embedded.js';
import { runNpm } from './support/npm.js';
import { freePort, waitForOk } from './support/ports.js';
import { LONG_INDEX, SLOW_ENGINE } from './support/slow-engine.js';

describe('the embedded default', () => {
  let dataDir: string;
  let base: string;
  let port: number;

  const start = () => startEmbedded(dataDir, port, SLOW_ENGINE);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fibstack-embedded-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('serves the page and the API, and keeps the history across a restart', async () => {
    const first = await start();
    try {
      const page = await fetch(`${base}/`);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toContain('<div id="root">');
      expect((await fetch(`${base}/history`)).status).toBe(200);
      const range = await fetch(`${base}/index.html`, { headers: { range: 'bytes=999999-' } });
      expect(range.status).toBe(416);
      expect((await range.json()).error.code).toBe('RANGE_NOT_SATISFIABLE');

      for (const index of [10, 20, 30]) expect((await postIndex(base, { index })).status).toBe(202);
      await expect
        .poll(async () => (await getJson(`${base}/api/calculations`)).items.every((c: { status: string }) => c.status === 'done'), { timeout: 20_000 })
        .toBe(true);
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0);
    }

    const second = await start();
    try {
      const calculations = await getJson(`${base}/api/calculations`);
      expect(calculations.items.map((c: { index: number; head: string }) => [c.index, c.head])).toEqual([
        [30, '832040'],
        [20, '6765'],
        [10, '55'],
      ]);
      expect((await getJson(`${base}/api/submissions`)).items).toHaveLength(3);
      expect(await (await fetch(`${base}/api/calculations/30/value`)).text()).toBe('832040');
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });

  it('finishes work queued before a stop when it starts again', async () => {
    const first = await start();
    // F(2·10^7) takes a while to compute (see slow-engine.ts): the kill comes while it is queued or running.
    expect((await postIndex(base, { index: LONG_INDEX })).status).toBe(202);
    await first.stop('SIGKILL');
    const second = await start();
    try {
      await expect
        .poll(async () => (await getJson(`${base}/api/calculations/${LONG_INDEX}`)).status, { timeout: 60_000 })
        .toBe('done');
    } finally {
      await second.stop('SIGTERM');
    }
  });
});

describe('npm start', () => {
  it('hands a SIGTERM sent to npm alone to the server, which stops gracefully', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fibstack-npm-start-'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // `--ignore-scripts` skips `prestart`, the build, which `npm test` has run already.
    const { npm, output, exited, killGroup } = runNpm(['start', '--ignore-scripts'], {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      SHUTDOWN_DRAIN_MS: '200',
    });
    try {
      await waitForOk(`${base}/api/ready`, 60_000);
      // A supervisor (systemd's main-process mode, `timeout`, a container runtime) signals the process
      // it started. npm passes the signal to its script's shell alone, which would die and leave the
      // server running: `start` execs the server, so that the shell is the server.
      process.kill(npm.pid!, 'SIGTERM');
      expect(await exited).toEqual([0, null]);
      expect(output()).toContain('"msg":"stopped"');
      await expect(fetch(`${base}/api/health`)).rejects.toThrow();
    } finally {
      killGroup();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a start refused', () => {
  const main = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'server/dist/main.js');
  const start = (env: NodeJS.ProcessEnv) =>
    promisify(execFile)(process.execPath, [main], { env: { PATH: process.env.PATH, HOST: '127.0.0.1', ...env } }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );

  it('lists every bad setting, and a misspelt one, in lines of their own, without a stack', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fibstack-refused-'));
    try {
      const refused = await start({ DATA_DIR: dataDir, PORT: 'eighty', RATE_LIMIT_MAX: '1e3', RATE_LIMT_WINDOW_MS: '5000' });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('Invalid configuration:\n');
      expect(refused.stderr).toContain('  - PORT: must be a whole number from 0 to 65535 (got "eighty")\n');
      expect(refused.stderr).toContain('  - RATE_LIMIT_MAX: must be a whole number from 0 to 1000000 (got "1e3")\n');
      expect(refused.stderr).toContain('RATE_LIMT_WINDOW_MS is not a setting; RATE_LIMIT_WINDOW_MS is');
      expect(refused.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('says in one line that its port is taken', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fibstack-refused-'));
    const taken = createServer();
    await new Promise<void>((listening) => taken.listen(0, '127.0.0.1', listening));
    try {
      const port = (taken.address() as { port: number }).port;
      const refused = await start({ DATA_DIR: dataDir, PORT: String(port) });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`EADDRINUSE.*${port}.*\\(EADDRINUSE\\)$`))]);
    } finally {
      taken.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
