import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { root, run, runOk } from './support/run.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  ports?: unknown[];
  restart?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  secrets?: unknown[];
  environment?: Record<string, string>;
  networks?: Record<string, unknown> | string[];
  read_only?: boolean;
  tmpfs?: string[] | string;
  cap_drop?: string[];
  security_opt?: string[];
  deploy?: { mode?: string; replicas?: number; resources?: { limits?: { cpus?: string; memory?: string } }; update_config?: { order?: string; failure_action?: string } };
}
interface ComposeFile {
  services: Record<string, Service>;
}

const files = {
  development: ['deploy/compose/docker-compose.yml'],
  production: ['deploy/compose/docker-compose.prod.yml'],
  'production build': ['deploy/compose/docker-compose.prod.yml', 'deploy/compose/docker-compose.build.yml'],
  'production with monitoring': ['deploy/compose/docker-compose.prod.yml', 'deploy/compose/docker-compose.monitoring.yml'],
  'swarm staging': ['deploy/swarm/stack.yml', 'deploy/swarm/staging.yml'],
  'swarm production': ['deploy/swarm/stack.yml', 'deploy/swarm/production.yml'],
};

let secrets: string;
beforeAll(async () => {
  // The production file mounts secret files, which docker-compose wants to exist.
  secrets = mkdtempSync(join(tmpdir(), 'fibstack-secrets-'));
  await runOk('deploy/compose/make-secrets.sh', [secrets]);
});
afterAll(() => rmSync(secrets, { recursive: true, force: true }));

/** The file as docker-compose resolves it: merged, interpolated and checked against its schema. */
async function resolved(paths: string[]): Promise<ComposeFile> {
  const args = paths.flatMap((path) => ['-f', path]);
  const env = { ...process.env, SECRETS_DIR: secrets, FIBSTACK_TAG: '0123abc' };
  return parse(await runOk('docker-compose', [...args, 'config'], { env })) as ComposeFile;
}

/**
 * A Swarm stack as `docker stack deploy` reads it, which differs from docker-compose: it reads each
 * file's env_file into that file's environment before merging the files. `docker stack config` (the
 * docker CLI's own loader) needs no engine.
 */
async function stack(paths: string[]): Promise<ComposeFile> {
  const args = paths.flatMap((path) => ['-c', path]);
  return parse(await runOk('docker', ['stack', 'config', ...args], { env: { ...process.env, FIBSTACK_TAG: '0123abc' } })) as ComposeFile;
}

describe.each(Object.entries(files))('compose: %s', (_name, paths) => {
  it('passes docker-compose config', async () => {
    expect((await resolved(paths)).services).toBeTypeOf('object');
  });
});

describe('dclint', () => {
  it('finds no problem in any compose or stack file', async () => {
    const all = [...new Set(Object.values(files).flat())];
    // Files first: each --disable-rule takes every argument after it.
    const result = await run('npx', [
      'dclint',
      ...all,
      '--max-warnings=0',
      // Services are listed in start-up order and keys by importance, which reads better than A-Z.
      '--disable-rule=service-keys-order',
      '--disable-rule=services-alphabetical-order',
      // The proxy is the public entry point: it listens on every interface on purpose.
      '--disable-rule=no-unbound-port-interfaces',
      // `docker stack deploy` still reads the version of a stack file.
      '--disable-rule=no-version-field',
      // Compose v1, which the real run uses, has no top-level name; the project is named by -p.
      '--disable-rule=require-project-name-field',
    ]);
    expect(result.code, result.stdout).toBe(0);
  });
});

describe('development compose', () => {
  it('starts the api and the worker once the data stores are healthy, each migrating as it starts', async () => {
    const { services } = await resolved(files.development);
    for (const name of ['api', 'worker']) {
      expect(services[name]!.environment?.MIGRATE_ON_START, name).toBe('true');
      expect(services[name]!.depends_on, name).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
  });
});

describe('production compose', () => {
  let services: Record<string, Service>;
  beforeAll(async () => {
    services = (await resolved(files.production)).services;
  });

  it('runs only a release named by its tag: CI pushes no "latest"', async () => {
    const { FIBSTACK_TAG: _, ...env } = process.env;
    const result = await run('docker-compose', ['-f', files.production[0]!, 'config'], { env: { ...env, SECRETS_DIR: secrets } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('set FIBSTACK_TAG to the commit SHA to run');
  });

  it('runs images by tag and builds nothing', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.build, name).toBeUndefined();
      expect(service.image, name).toBeDefined();
    }
    expect(services.api!.image).toBe('ghcr.io/fibstack/fibstack-server:0123abc');
  });

  it('restarts every long-running service and checks the health of each one that serves', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.restart, name).toBe(name === 'migrate' ? 'no' : 'unless-stopped');
    }
    for (const name of ['postgres', 'redis', 'api', 'worker']) expect(services[name]!.healthcheck, name).toBeDefined();
  });

  it('runs fibstack’s own containers as its Kubernetes pods: read-only but /tmp, without capabilities or privileges to gain', () => {
    for (const name of ['migrate', 'api', 'worker', 'proxy']) {
      const { read_only, tmpfs, cap_drop, security_opt } = services[name]!;
      expect({ read_only, tmpfs: [tmpfs].flat(), cap_drop, security_opt }, name).toEqual({
        read_only: true,
        tmpfs: ['/tmp'],
        cap_drop: ['ALL'],
        security_opt: ['no-new-privileges:true'],
      });
    }
  });

  it('migrates once, before the api and the workers start', () => {
    expect(services.migrate!.command).toEqual(['node', 'server/dist/migrate.js']);
    for (const name of ['api', 'worker']) {
      expect(services[name]!.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    }
  });

  it('limits the resources of every service', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'migrate' || name === 'backup') continue;
      expect(service.deploy?.resources?.limits?.memory, name).toBeDefined();
    }
  });

  it('keeps Redis from evicting jobs and persists it', () => {
    const command = [services.redis!.command ?? []].flat().join(' ');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(command).toContain('--appendonly yes');
  });

  it('publishes only the proxy, and keeps the data stores off its network', () => {
    const published = Object.entries(services).filter(([, service]) => service.ports?.length);
    expect(published.map(([name]) => name)).toEqual(['proxy']);
    for (const name of ['postgres', 'redis']) expect(Object.keys(services[name]!.networks ?? {})).toEqual(['backend']);
    expect(Object.keys(services.proxy!.networks ?? {})).toEqual(['frontend']);
  });

  it('passes credentials as secrets, never as plain variables', () => {
    // The connection strings, and the task monitor's password.
    for (const name of ['api', 'worker', 'migrate']) expect(services[name]!.secrets).toHaveLength(3);
    const plain = JSON.stringify(Object.values(services).map((service) => service.environment ?? {}));
    expect(plain).not.toMatch(/PASSWORD=|_PASSWORD"\s*:\s*"[^/]|postgres:\/\//);
  });

  it('backs the database up on a schedule', () => {
    expect(services.backup!.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(JSON.stringify(services.backup!.command)).toContain('pg_dump');
  });
});

describe.each(['staging', 'production'])('swarm stack: %s', (environment) => {
  it('starts new tasks first and rolls back a failed update', async () => {
    const { services } = await stack(files[`swarm ${environment}` as keyof typeof files]);
    for (const name of ['api', 'worker']) {
      expect(services[name]!.deploy?.update_config).toMatchObject({ order: 'start-first', failure_action: 'rollback' });
      expect(services[name]!.deploy?.replicas, name).toBeGreaterThan(0);
    }
    expect(services.api!.secrets).toHaveLength(3);
  });

  it('brings the schema up to date in every server replica: Swarm orders no services, and a release may start with a worker', async () => {
    const { services } = await stack(files[`swarm ${environment}` as keyof typeof files]);
    for (const name of ['api', 'worker']) expect(services[name]!.environment?.MIGRATE_ON_START, name).toBe('true');
  });

  it('runs its containers read-only but /tmp, without capabilities', async () => {
    const { services } = await stack(files[`swarm ${environment}` as keyof typeof files]);
    for (const name of ['api', 'worker', 'proxy']) {
      const { read_only, tmpfs, cap_drop } = services[name]!;
      expect({ read_only, tmpfs: [tmpfs].flat(), cap_drop }, name).toEqual({ read_only: true, tmpfs: ['/tmp'], cap_drop: ['ALL'] });
    }
  });

  it("runs a proxy on each node's own port, so that nginx and the API see each client's address", async () => {
    const { services } = await stack(files[`swarm ${environment}` as keyof typeof files]);
    const { deploy, ports } = services.proxy!;
    expect(ports).toEqual([expect.objectContaining({ mode: 'host', published: expect.anything(), target: 8080 })]);
    expect(deploy).toMatchObject({ mode: 'global', update_config: { order: 'stop-first', failure_action: 'rollback' } });
    expect(deploy?.replicas).toBeUndefined();
  });
});

it('keeps the repository root free of compose files: they all live under deploy/', async () => {
  const listed = await runOk('git', ['ls-files', '*compose*.yml'], { cwd: root });
  expect(listed.split('\n').filter(Boolean).every((path) => path.startsWith('deploy/'))).toBe(true);
});
