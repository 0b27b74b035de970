/**
 * The production compose stack, built and run for real: images from deploy/docker on base images made
 * from Debian's packages (deploy/test/bases), podman behind Debian's docker-compose, and requests
 * through the proxy container only; with the monitoring file's Prometheus beside it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort } from './support/nginx.js';
import { startEngine, tickHealthChecks, type Engine } from './support/podman.js';
import { deployDir, root, run, runOk } from './support/run.js';

const project = `fibstack-e2e-${process.pid}`;
const files = ['prod', 'build', 'monitoring'].flatMap((name) => ['-f', `deploy/compose/docker-compose.${name}.yml`]);
const minutes = 60_000;
/** Each test's limit: above until()'s 90 s, since the containers share two cores with the rest of the deploy tests. */
const waitLimit = { timeout: 2 * minutes };

let work: string;
let engine: Engine;
let ticker: { stop(): void };
let env: NodeJS.ProcessEnv;
let base: string;
let prometheus: string;
let revision: string;

const compose = (args: string[], timeoutMs = 2 * minutes) =>
  runOk('docker-compose', ['-p', project, ...files, ...args], { env, timeoutMs });
/** Runs a command in the first container of a service. */
const exec = (service: string, command: string[]) =>
  runOk('podman', ['exec', `${project}_${service}_1`, ...command], { env });

/** Waits for a probe to give a value; inside a test's own time limit (`waitLimit`), so the reason reaches the report. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 500));
  }
}

async function submit(index: number): Promise<number> {
  const response = await fetch(`${base}/api/calculations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ index }),
  });
  await response.text();
  return response.status;
}

async function calculation(index: number): Promise<{ status: string; head: string | null; digits: number | null }> {
  const response = await fetch(`${base}/api/calculations/${index}`);
  return (await response.json()) as { status: string; head: string | null; digits: number | null };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'fibstack-stack-'));
  engine = await startEngine(work);
  const images = await runOk('deploy/test/bases/build.sh', [], { env: engine.env, timeoutMs: 10 * minutes });
  await runOk('deploy/compose/make-secrets.sh', [join(work, 'secrets')]);
  const [port, prometheusPort] = await Promise.all([freePort(), freePort()]);
  revision = (await runOk('git', ['rev-parse', 'HEAD'])).trim();
  env = {
    ...engine.env,
    ...Object.fromEntries(images.trim().split('\n').map((line) => line.split('=') as [string, string])),
    SECRETS_DIR: join(work, 'secrets'),
    FIBSTACK_IMAGE_PREFIX: 'localhost/fibstack-e2e/fibstack',
    FIBSTACK_TAG: 'test',
    REVISION: revision,
    HTTP_BIND: '127.0.0.1',
    HTTP_PORT: String(port),
    PROMETHEUS_BIND: '127.0.0.1',
    PROMETHEUS_PORT: String(prometheusPort),
  };
  base = `http://127.0.0.1:${port}`;
  prometheus = `http://127.0.0.1:${prometheusPort}`;
  await compose(['build'], 15 * minutes);
  ticker = tickHealthChecks(engine, project);
  await compose(['up', '-d'], 5 * minutes).catch(async (error: unknown) => {
    // What the containers said is what explains a stack that did not come up.
    const logs = await compose(['logs', '--no-color', '--tail', '40']).catch(() => '');
    throw new Error(`${String(error)}\n${logs}`);
  });
  await until('the stack to be ready through the proxy', async () => ((await fetch(`${base}/api/ready`)).ok ? true : undefined));
}, 30 * minutes);

afterAll(async () => {
  ticker?.stop();
  if (env) await compose(['down', '--volumes', '--timeout', '5']).catch((error: unknown) => console.error(error));
  await engine?.stop();
  rmSync(work, { recursive: true, force: true });
}, 2 * minutes);

describe('Prometheus beside the stack', waitLimit, () => {
  it('scrapes every api and worker replica, found by their service names, with the alerting rules', async () => {
    type Targets = { data: { activeTargets: Array<{ labels: Record<string, string>; health: string }> } };
    const scraped = await until('Prometheus to scrape two api and two worker replicas', async () => {
      const { data } = (await (await fetch(`${prometheus}/api/v1/targets`)).json()) as Targets;
      const up = data.activeTargets.filter((target) => target.health === 'up').map((target) => target.labels.job!);
      return up.length === 4 ? up.sort() : undefined;
    });
    expect(scraped).toEqual(['fibstack-api', 'fibstack-api', 'fibstack-worker', 'fibstack-worker']);

    type Rules = { data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> } };
    const alerts = (parse(readFileSync(join(deployDir, 'prometheus/alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string }> }> }).groups
      .flatMap((group) => group.rules.map((rule) => rule.alert))
      .sort();
    const loaded = await until('the rules evaluated', async () => {
      const { data } = (await (await fetch(`${prometheus}/api/v1/rules`)).json()) as Rules;
      const rules = data.groups.flatMap((group) => group.rules);
      return rules.length > 0 && rules.every((rule) => rule.health === 'ok') ? rules.map((rule) => rule.name).sort() : undefined;
    });
    expect(loaded).toEqual(alerts);
    // What it reads is the replicas' own view: both reach Postgres and Redis.
    const query = await (await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent('count(dependency_up == 1)')}`)).json();
    expect((query as { data: { result: Array<{ value: [number, string] }> } }).data.result[0]?.value[1]).toBe('8');
  });
});

describe('production stack through its proxy', waitLimit, () => {
  it('stores a submission, computes it in a worker container and reads it back', async () => {
    expect([200, 202]).toContain(await submit(90));

    const done = await until('F(90)', async () => {
      const record = await calculation(90);
      return record.status === 'done' ? record : undefined;
    });
    expect(done).toMatchObject({ digits: 19, head: '2880067194370816120' });
    const value = await fetch(`${base}/api/calculations/90/value`);
    expect(await value.text()).toBe('2880067194370816120');

    // Workers log each computation, with the engine: the image's GMP addon, not the BigInt fallback.
    // api replicas never compute (they run ROLE=api), and they too start on GMP (it converts values
    // to decimal on their first download).
    const workers = await compose(['logs', '--no-color', 'worker']);
    expect(workers).toMatch(/"index":90[^\n]*"engine":"gmp"[^\n]*"msg":"computed"/);
    const apis = await compose(['logs', '--no-color', 'api']);
    expect(apis).not.toContain('"msg":"computed"');
    expect(apis.match(/"engine":"gmp","msg":"started"/g)).toHaveLength(2);
  });

  it('keeps a calculation queued while no worker runs, and a returning worker completes it', async () => {
    await compose(['stop', '--timeout', '10', 'worker']);
    try {
      expect(await submit(1000)).toBe(202);
      await new Promise((done) => setTimeout(done, 1_000));
      expect((await calculation(1000)).status).toBe('queued');
    } finally {
      await compose(['start', 'worker']);
    }
    const done = await until('F(1000)', async () => {
      const record = await calculation(1000);
      return record.status === 'done' ? record : undefined;
    });
    expect(done.digits).toBe(209);
  });

  it('serves the web client, with client-side routes falling back to it', async () => {
    for (const path of ['/', '/history/90']) {
      const page = await fetch(`${base}${path}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<!doctype html>');
    }
  });

  it('follows the api replicas to their new addresses when they restart', async () => {
    // podman gives a restarted container a new address; nginx alone would keep the old one.
    await compose(['restart', '--timeout', '10', 'api']);
    await until('the api through the proxy again', async () => {
      const response = await fetch(`${base}/api/calculations/90`);
      return response.ok ? response.json() : undefined;
    });
  });

  it('streams server-sent events through the proxy', async () => {
    const response = await fetch(`${base}/api/events`);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('event: ready');
    await reader.cancel();
  });
});

describe('production stack containers', waitLimit, () => {
  it('ran the migrations once, successfully, before the api', async () => {
    const state = await runOk('podman', ['inspect', `${project}_migrate_1`, '--format', '{{.State.ExitCode}}'], { env });
    expect(state.trim()).toBe('0');
  });

  it('runs two api and two worker replicas, all unprivileged and resource-limited', async () => {
    for (const service of ['api', 'worker']) {
      for (const replica of [1, 2]) {
        const name = `${project}_${service}_${replica}`;
        expect(await runOk('podman', ['exec', name, 'id', '-u'], { env })).not.toBe('0\n');
        const memory = await runOk('podman', ['inspect', name, '--format', '{{.HostConfig.Memory}}'], { env });
        expect(Number(memory)).toBeGreaterThan(0);
      }
    }
    expect((await exec('proxy', ['id', '-u'])).trim()).toBe('101');
  });

  it('runs the server and the proxy read-only but /tmp, without capabilities', async () => {
    for (const service of ['api', 'proxy']) {
      // Written to where the image is: refused; /tmp takes it.
      const written = await run('podman', ['exec', `${project}_${service}_1`, 'sh', '-c', 'touch /probe'], { env });
      expect(written.code, service).not.toBe(0);
      expect(written.stderr, service).toMatch(/Read-only file system/);
      await exec(service, ['touch', '/tmp/probe']);
      // No capability in the process's effective set.
      expect(await exec(service, ['grep', 'CapEff', '/proc/self/status']), service).toMatch(/CapEff:\s+0+\n/);
    }
  });

  it('keeps Redis from evicting jobs, behind a password', async () => {
    const password = readFileSync(join(work, 'secrets', 'redis_password'), 'utf8');
    expect(await exec('redis', ['redis-cli', 'ping'])).toContain('NOAUTH');
    const policy = await exec('redis', ['sh', '-c', `REDISCLI_AUTH=${password} redis-cli config get maxmemory-policy`]);
    expect(policy).toContain('noeviction');
  });

  it('took a database backup at start', async () => {
    const dumps = await until('a backup', async () => {
      const listed = await exec('backup', ['ls', '/backups']);
      return listed.includes('.dump') && !listed.includes('.partial') ? listed : undefined;
    });
    expect(dumps).toMatch(/fibstack-\d{8}T\d{6}Z\.dump/);
  });

  it('labels every image with the revision it was built from, and reports errors under it', async () => {
    for (const image of ['server', 'proxy']) {
      const label = await runOk(
        'podman',
        ['image', 'inspect', `localhost/fibstack-e2e/fibstack-${image}:test`, '--format', '{{index .Labels "org.opencontainers.image.revision"}}'],
        { env },
      );
      expect(label.trim()).toBe(revision);
    }
    const { version } = JSON.parse(readFileSync(join(root, 'server/package.json'), 'utf8')) as { version: string };
    expect((await exec('api', ['printenv', 'SENTRY_RELEASE'])).trim()).toBe(`fibstack@${version}+${revision}`);
  });
});
