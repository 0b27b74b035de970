import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { freePort } from './support/nginx.js';
import { deployDir, root } from './support/run.js';

const imagesDir = resolve(deployDir, 'docker');
const basesDir = resolve(deployDir, 'test/bases');
const images = readdirSync(imagesDir).filter((name) => name.endsWith('.Dockerfile'));
const bases = readdirSync(basesDir).filter((name) => name.endsWith('.Containerfile'));

/** The stages each Dockerfile publishes as images (build targets); the others only feed them. */
const published: Record<string, string[]> = {
  'server.Dockerfile': ['runtime'],
  'web.Dockerfile': ['web', 'proxy'],
};

/** Each stage's instructions by stage name, continuation lines joined. */
function stages(text: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  let current: string[] = [];
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM \S+(?: AS (\S+))?$/.exec(line);
    if (from) result.set(from[1] ?? `stage${result.size}`, (current = []));
    current.push(line);
  }
  return result;
}

describe.each([...images.map((name) => resolve(imagesDir, name)), ...bases.map((name) => resolve(basesDir, name))])(
  '%s',
  (path) => {
    it('passes the Dockerfile linter', () => {
      const problems = validate(readFileSync(path, 'utf8')).map(
        (diagnostic) => `${diagnostic.range.start.line + 1}: ${diagnostic.message}`,
      );
      expect(problems).toEqual([]);
    });
  },
);

it('knows the published stages of every Dockerfile', () => {
  expect(Object.keys(published).sort()).toEqual(images.sort());
});

describe.each(images)('deploy/docker/%s', (name) => {
  const text = readFileSync(resolve(imagesDir, name), 'utf8');
  const byName = stages(text);
  const targets = published[name] ?? [];

  it('feeds every stage it does not publish into one it does', () => {
    for (const stage of byName.keys()) {
      if (targets.includes(stage)) continue;
      expect(text, stage).toMatch(new RegExp(`(FROM ${stage} AS|--from=${stage}) `));
    }
  });

  it('takes every base image as a build argument with a pinned official default', () => {
    const args = new Map([...text.matchAll(/^ARG (\w+_IMAGE)=(\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
    expect(args.size).toBeGreaterThan(0);
    for (const [arg, image] of args) {
      expect(image, arg).toMatch(/^(node|nginx):\d+\.\d+[\w.-]*$/);
    }
    const stages = new Set([...text.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((match) => match[1]!));
    for (const [, base] of text.matchAll(/^FROM (\S+)/gm)) {
      const fromArg = /^\$\{(\w+)\}$/.exec(base!)?.[1];
      expect(fromArg ? args.has(fromArg) : stages.has(base!), base).toBe(true);
    }
  });

  it.each(targets)('publishes %s running as an unprivileged user', (target) => {
    const user = (byName.get(target) ?? []).filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
  });

  it.each(targets)('publishes %s with a health check and the revision it was built from', (target) => {
    const stage = byName.get(target) ?? [];
    expect(stage.some((line) => line.startsWith('HEALTHCHECK '))).toBe(true);
    expect(stage.join('\n')).toContain('org.opencontainers.image.revision="${REVISION}"');
  });
});

it('makes the server listen on every interface in a container (its own default is loopback)', () => {
  const runtime = stages(readFileSync(resolve(imagesDir, 'server.Dockerfile'), 'utf8')).get('runtime')!;
  expect(runtime.filter((line) => line.startsWith('ENV ')).join(' ')).toMatch(/\bHOST=0\.0\.0\.0\b/);
});

it('installs dependencies from the lockfile only', () => {
  for (const name of images) {
    const text = readFileSync(resolve(imagesDir, name), 'utf8');
    expect(text, name).not.toMatch(/npm install/);
  }
});

it('names one Node image everywhere a default is given', () => {
  // The Dockerfiles' defaults and the compose files' fallbacks are kept in step by hand: a release bump
  // that missed one would build the images on two Node releases.
  const places = [
    ...images.map((name) => resolve(imagesDir, name)),
    ...readdirSync(resolve(deployDir, 'compose'))
      .filter((name) => name.endsWith('.yml'))
      .map((name) => resolve(deployDir, 'compose', name)),
  ];
  const named = places.flatMap((path) =>
    [...readFileSync(path, 'utf8').matchAll(/NODE_IMAGE(?:=|: \$\{NODE_IMAGE:-)(node:[\w.-]+)/g)].map((match) => match[1]!),
  );
  expect(named.length).toBeGreaterThanOrEqual(5);
  expect(new Set(named)).toEqual(new Set([named[0]]));
});

it("runs the development image's command as a container's first process, which a stop's SIGTERM ends gracefully", async () => {
  const cmd = stages(readFileSync(resolve(imagesDir, 'server.Dockerfile'), 'utf8'))
    .get('dev')!
    .find((line) => line.startsWith('CMD '))!;
  const command = JSON.parse(cmd.slice('CMD '.length)) as string[];
  // The work tree holds what the image holds at /app: the sources and the lockfile's node_modules.
  const dataDir = mkdtempSync(join(tmpdir(), 'fibstack-dev-cmd-'));
  const port = await freePort();
  // A PID namespace of its own, as a container has: the command is its process 1, and the namespace
  // ends, killing whatever is left in it, when that process exits.
  const container = spawn('unshare', ['--pid', '--fork', '--mount-proc', ...command], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, SHUTDOWN_DRAIN_MS: '200' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  container.stdout.on('data', (chunk: Buffer) => (output += chunk));
  container.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = once(container, 'exit');
  try {
    await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toContain('"msg":"started"');
    // The runtime's stop: SIGTERM to process 1 alone (unshare's one child).
    const [first] = readFileSync(`/proc/${container.pid}/task/${container.pid}/children`, 'utf8').trim().split(' ');
    process.kill(Number(first), 'SIGTERM');
    await exited;
    expect(output).toMatch(/"msg":"shutting down"[^]*"msg":"stopped"/);
  } finally {
    container.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
