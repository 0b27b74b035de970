import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNginxTemplate } from '../../e2e/topology/nginx-template.js';
import { checkConfig, freePort, localConfig, removeLocalConfigs, startNginx } from './support/nginx.js';
import { deployDir } from './support/run.js';

const docker = resolve(deployDir, 'docker');

/** The development proxy's config with the compose service names pointing at this machine. */
function devProxyConfig(port: number, apiPort: number, webPort: number): string {
  return localConfig(resolve(deployDir, 'compose/dev-proxy.nginx.conf'), [
    ['listen 8080;', `listen 127.0.0.1:${port};`],
    ['server api:3050;', `server 127.0.0.1:${apiPort};`],
    ['server web:5173;', `server 127.0.0.1:${webPort};`],
  ]);
}

afterAll(removeLocalConfigs);

describe('nginx -t', () => {
  it('accepts the web client config', async () => {
    await checkConfig(localConfig(resolve(docker, 'web.nginx.conf'), [['listen 8080;', 'listen 127.0.0.1:8080;']]));
  });

  it('accepts the development proxy config', async () => {
    await checkConfig(devProxyConfig(8080, 1, 2));
  });
});

describe('web client server', () => {
  let port: number;
  let nginx: { stop(): Promise<void> };
  const site = mkdtempSync(join(tmpdir(), 'fibstack-site-'));
  beforeAll(async () => {
    // nginx's workers run as nobody when the tests run as root.
    chmodSync(site, 0o755);
    mkdirSync(join(site, 'assets'));
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>fibstack</title>');
    writeFileSync(join(site, 'assets', 'index-abc123.js'), 'console.log(1)');
    port = await freePort();
    const config = localConfig(resolve(docker, 'web.nginx.conf'), [
      ['listen 8080;', `listen 127.0.0.1:${port};`],
      ['root /usr/share/fibstack/web;', `root ${site};`],
    ]);
    nginx = await startNginx(config, port);
  });
  afterAll(async () => {
    await nginx.stop();
    rmSync(site, { recursive: true, force: true });
  });

  it('answers a client-side route with the app shell, never cached stale', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/calculations/42`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>fibstack</title>');
    expect(response.headers.get('cache-control')).toBe('no-cache');
  });

  it("sends the page's security headers, the same as the proxy's (deploy/nginx/routes.conf)", async () => {
    const routes = readFileSync(resolve(deployDir, 'nginx/routes.conf'), 'utf8');
    // The page's, in `location /` (the assets' location sends nosniff again).
    const page = routes.slice(routes.indexOf('location / {'));
    const proxyHeaders = [...page.matchAll(/add_header (Content-Security-Policy|X-Content-Type-Options|X-Frame-Options|Referrer-Policy) "?(.+?)"? always;/g)];
    expect(proxyHeaders).toHaveLength(4);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    await response.text();
    for (const [, name, value] of proxyHeaders) expect(response.headers.get(name!), name).toBe(value);
  });

  it('lets browsers keep hashed assets for a year, and 404s a missing one', async () => {
    const asset = await fetch(`http://127.0.0.1:${port}/assets/index-abc123.js`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    await asset.text();
    const missing = await fetch(`http://127.0.0.1:${port}/assets/gone.js`);
    expect(missing.status).toBe(404);
    await missing.text();
  });
});

// The production proxy is deploy/nginx's routing, tested by the topology tests and the real stack run.
describe('development proxy', () => {
  let port: number;
  let nginx: { stop(): Promise<void> };
  const servers: Server[] = [];
  const seen: { url?: string; forwardedFor?: string | string[] }[] = [];

  /** A stand-in upstream on a free port. */
  async function upstream(handler: Parameters<typeof createServer>[1]): Promise<number> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return (server.address() as { port: number }).port;
  }

  beforeAll(async () => {
    const apiPort = await upstream((request, response) => {
      seen.push({ url: request.url, forwardedFor: request.headers['x-forwarded-for'] });
      if (request.url === '/api/events') {
        // One event at once, the end much later: a buffering proxy would hold the first back.
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write('event: ready\ndata: {}\n\n');
        setTimeout(() => response.end(), 3_000);
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ from: 'api', url: request.url }));
    });
    const webPort = await upstream((request, response) => response.end(`vite dev server: ${request.url}`));
    port = await freePort();
    nginx = await startNginx(devProxyConfig(port, apiPort, webPort), port);
  });
  afterAll(async () => {
    await nginx.stop();
    for (const server of servers) server.close();
  });

  it('sends /api to the api with the client address, everything else to the Vite dev server', async () => {
    const api = await fetch(`http://127.0.0.1:${port}/api/calculations/7`);
    expect(await api.json()).toEqual({ from: 'api', url: '/api/calculations/7' });
    expect(seen.at(-1)?.forwardedFor).toBe('127.0.0.1');
    const web = await fetch(`http://127.0.0.1:${port}/calculations/7`);
    expect(await web.text()).toBe('vite dev server: /calculations/7');
  });

  it('serves the admin page from the Vite dev server, and the queue dashboard from the api', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/admin`);
    expect(await page.text()).toBe('vite dev server: /admin.html');
    const dashboard = await fetch(`http://127.0.0.1:${port}/admin/queues/api/queues`);
    expect(await dashboard.json()).toEqual({ from: 'api', url: '/admin/queues/api/queues' });
  });

  it('streams server-sent events without buffering them', async () => {
    const started = Date.now();
    const response = await fetch(`http://127.0.0.1:${port}/api/events`);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('event: ready');
    expect(Date.now() - started).toBeLessThan(2_000);
    await reader.cancel();
  });

  it('refuses bodies over the limit before they reach the api', async () => {
    const before = seen.length;
    const response = await fetch(`http://127.0.0.1:${port}/api/calculations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ index: 1, padding: 'x'.repeat(32 * 1024) }),
    });
    expect(response.status).toBe(413);
    await response.text();
    expect(seen.length).toBe(before);
  });
});

// The production proxy's template, with routes of this test's own: the real address of every request is
// 127.0.0.1, so nginx takes the one to count from a header, as it would from a balancer's.
describe('production proxy: who the limits count', () => {
  let port: number;
  let nginx: { stop(): Promise<void> };
  const dir = mkdtempSync(join(tmpdir(), 'fibstack-limits-'));

  beforeAll(async () => {
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'ok.txt'), 'ok');
    writeFileSync(
      join(dir, 'routes.conf'),
      [
        'set_real_ip_from 127.0.0.1;',
        'real_ip_header X-Test-Client;',
        'limit_req_status 429;',
        'location = /healthz { return 200; }',
        'location = /network { return 200 $client_network; }',
        // Served by the static module, so the request passes the limit first (a `return` would not).
        'location = /ok.txt { limit_req zone=api; }',
      ].join('\n'),
    );
    port = await freePort();
    const values: Record<string, string> = {
      NGINX_PID: join(dir, 'nginx.pid'),
      NGINX_ERROR_LOG: join(dir, 'error.log'),
      NGINX_ACCESS_LOG: 'off',
      NGINX_MIME_TYPES: '/etc/nginx/mime.types',
      NGINX_TEMP: dir,
      NGINX_LISTEN: `127.0.0.1:${port}`,
      NGINX_ROUTES: join(dir, 'routes.conf'),
      WEB_ROOT: dir,
      // One request a minute, no burst: a client's second request is refused.
      NGINX_API_RATE: '1r/m',
      NGINX_WORKERS: '1',
      API_SERVERS: 'server 127.0.0.1:1;',
    };
    const config = join(dir, 'nginx.conf');
    writeFileSync(config, await renderNginxTemplate(values));
    nginx = await startNginx(config, port);
  });
  afterAll(async () => {
    await nginx.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const as = (client: string, path: string) => fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'x-test-client': client } });
  const network = async (client: string) => (await as(client, '/network')).text();

  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2'],
    ['2001:db8:1:2::6', '2001:db8:1:2'],
    ['2001:db8::1', '2001:db8::'],
    ['2001:db8::5:6:7:8', '2001:db8::'],
    ['2001:db8:0:1::', '2001:db8:0:1'],
    ['2001::4:5:6:7:8', '2001::4'],
    ['::3:4:5:6:7:8', '::3:4'],
    ['::4:5:6:7:8', '::4'],
    ['::1', '::'],
    ['::ffff:203.0.113.7', '::ffff:203.0.113.7'],
  ])('counts %s as %s', async (client, expected) => {
    expect(await network(client)).toBe(expected);
  });

  it('gives every address of one IPv6 /64 its one limit, and another /64 its own', async () => {
    // Written out, elided, and two hosts' addresses: one network, whose second request is refused.
    expect((await as('2001:db8:aa:1:1:2:3:4', '/ok.txt')).status).toBe(200);
    expect((await as('2001:db8:aa:1::9', '/ok.txt')).status).toBe(429);
    expect((await as('2001:db8:aa:2::9', '/ok.txt')).status).toBe(200);
    expect((await as('203.0.113.8', '/ok.txt')).status).toBe(200);
    expect((await as('203.0.113.9', '/ok.txt')).status).toBe(200);
  });
});
