import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FILE_VARIANTS } from '../../server/src/config.js';
import { root, run, runOk } from './support/run.js';

describe('shell scripts', () => {
  it('pass shellcheck', async () => {
    const scripts = (await runOk('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'deploy/*.sh']))
      .split('\n')
      .filter(Boolean);
    expect(scripts.length).toBeGreaterThan(3);
    await runOk('shellcheck', ['--severity=style', '.ci/run', ...scripts], { cwd: root });
  });
});

describe('make-secrets.sh', () => {
  // A folder the script creates itself, to see the permissions it gives it.
  const parent = mkdtempSync(join(tmpdir(), 'fibstack-secrets-'));
  const dir = join(parent, 'secrets');
  afterAll(() => rmSync(parent, { recursive: true, force: true }));
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');

  it('writes random passwords and connection strings that use them', async () => {
    await runOk('deploy/compose/make-secrets.sh', [dir]);
    expect(read('postgres_password')).toMatch(/^[0-9a-f]{48}$/);
    expect(read('redis_password')).not.toBe(read('postgres_password'));
    expect(read('database_url')).toBe(`postgres://fibstack:${read('postgres_password')}@postgres:5432/fibstack`);
    expect(read('redis_url')).toBe(`redis://:${read('redis_password')}@redis:6379`);
  });

  it('keeps existing secrets, and the folder closed to other users', async () => {
    const before = read('database_url');
    await runOk('deploy/compose/make-secrets.sh', [dir]);
    expect(read('database_url')).toBe(before);
    expect(statSync(dir).mode & 0o077).toBe(0);
  });
});

describe('server entrypoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fibstack-entrypoint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const entrypoint = (file: string) =>
    run('deploy/docker/server-entrypoint.sh', ['sh', '-c', 'echo "$DATABASE_URL|${DATABASE_URL_FILE-unset}"'], {
      env: { PATH: process.env.PATH, DATABASE_URL_FILE: join(dir, file) },
    });

  it('turns each VAR_FILE into VAR, read as the server reads it, and runs the command', async () => {
    writeFileSync(join(dir, 'url'), '\n  postgres://u:p@h/db \r\n\n');
    const { code, stdout } = await entrypoint('url');
    expect(code).toBe(0);
    expect(stdout).toBe('postgres://u:p@h/db|unset\n');
    // Only the ends: white space inside is the secret's own.
    writeFileSync(join(dir, 'url'), 'pa ss\n  word\n');
    expect((await entrypoint('url')).stdout).toBe('pa ss\n  word|unset\n');
  });

  it('reads the server’s own secrets alone: other programs’ _FILE variables name files, and stay', async () => {
    const script = readFileSync(join(root, 'deploy/docker/server-entrypoint.sh'), 'utf8');
    expect(script).toContain(`for name in ${FILE_VARIANTS.join(' ')}; do`);
    const { code, stdout } = await run('deploy/docker/server-entrypoint.sh', ['sh', '-c', 'echo "$SSL_CERT_FILE|${SSL_CERT-unset}"'], {
      env: { PATH: process.env.PATH, SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt' },
    });
    expect({ code, stdout }).toEqual({ code: 0, stdout: '/etc/ssl/certs/ca-certificates.crt|unset\n' });
  });

  it('refuses a secret set both as VAR and as VAR_FILE, as the server does', async () => {
    writeFileSync(join(dir, 'url'), 'postgres://u:p@h/db\n');
    const { code, stdout, stderr } = await run('deploy/docker/server-entrypoint.sh', ['true'], {
      env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://other/db', DATABASE_URL_FILE: join(dir, 'url') },
    });
    expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: '', stderr: 'DATABASE_URL_FILE: set DATABASE_URL or DATABASE_URL_FILE, not both\n' });
  });

  it('refuses a missing or empty file, as the server does, naming it', async () => {
    writeFileSync(join(dir, 'empty'), ' \n');
    for (const [file, problem] of [
      ['empty', 'is empty'],
      ['missing', 'cannot read'],
    ] as const) {
      const { code, stdout, stderr } = await entrypoint(file);
      expect(code, file).toBe(1);
      expect(stdout, file).toBe('');
      expect(stderr, file).toMatch(new RegExp(`^DATABASE_URL_FILE: .*${problem}`));
    }
  });
});
