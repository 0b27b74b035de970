import { describe, expect, it } from 'vitest';
import { ConfigError, misspelledSettings, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('runs the embedded default with no variables set', () => {
    const config = parseConfig({});
    // Reachable from this machine alone until HOST says otherwise.
    expect(config).toMatchObject({ ROLE: 'all', HOST: '127.0.0.1', PORT: 3050, MIGRATE_ON_START: true, QUEUE_PREFIX: 'fibstack' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.DATA_DIR).toMatch(/^\//);
  });

  it('reads and converts every kind of value', () => {
    const config = parseConfig({
      ROLE: 'worker',
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/fib',
      REDIS_URL: 'redis://cache:6379',
      MIGRATE_ON_START: 'false',
      MAX_INDEX: '500',
    });
    expect(config).toMatchObject({ ROLE: 'worker', PORT: 8080, MIGRATE_ON_START: false, MAX_INDEX: 500 });
  });

  it('takes 1 or 2 threads per computation, and refuses anything else', () => {
    expect(parseConfig({ FIB_PARALLELISM: '1' }).FIB_PARALLELISM).toBe(1);
    expect(parseConfig({ FIB_PARALLELISM: '2' }).FIB_PARALLELISM).toBe(2);
    expect([1, 2]).toContain(parseConfig({}).FIB_PARALLELISM);
    for (const bad of ['0', '3', '1.5', 'two']) expect(() => parseConfig({ FIB_PARALLELISM: bad })).toThrow(/FIB_PARALLELISM/);
  });

  it('leaves a SIGTERM time for its drain and then for closing', () => {
    expect(parseConfig({ SHUTDOWN_DRAIN_MS: '5000', SHUTDOWN_TIMEOUT_MS: '10000' }).SHUTDOWN_TIMEOUT_MS).toBe(10_000);
    expect(parseConfig({ SHUTDOWN_DRAIN_MS: '0', SHUTDOWN_TIMEOUT_MS: '5000' }).SHUTDOWN_TIMEOUT_MS).toBe(5_000);
    expect(() => parseConfig({ SHUTDOWN_DRAIN_MS: '30000' })).toThrow(
      'SHUTDOWN_TIMEOUT_MS: must be at least SHUTDOWN_DRAIN_MS + 5000 (35000): the drain, then time to close',
    );
    expect(() => parseConfig({ SHUTDOWN_DRAIN_MS: '0', SHUTDOWN_TIMEOUT_MS: '4000' })).toThrow(/SHUTDOWN_TIMEOUT_MS: must be at least/);
  });

  it('keeps values that take more than a fraction of a millisecond out of batches', () => {
    expect(parseConfig({ EXPENSIVE_INDEX: '1000' }).EXPENSIVE_INDEX).toBe(1_000);
    expect(() => parseConfig({ EXPENSIVE_INDEX: '5000000' })).toThrow(
      'EXPENSIVE_INDEX: must be a whole number from 0 to 100000: smaller indexes are computed in batches, one after another (got "5000000")',
    );
  });

  it('refuses a connection string it cannot read among the other problems, without echoing it', () => {
    const read = () => parseConfig({ DATABASE_URL: 'postgres://fibstack:s3cr#tpw@db:5432/fibstack', REDIS_URL: '127.0.0.1:6379', PORT: 'abc' });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/^ {2}- DATABASE_URL: must be a URL \(percent-encode any @ : \/ # \? in the user name or password\)$/m);
    expect(read).toThrow(/^ {2}- REDIS_URL: must be a URL/m);
    expect(read).toThrow(/^ {2}- PORT: /m);
    expect(read).not.toThrow(/s3cr|tpw/);
    expect(() => parseConfig({ REDIS_URL: 'http://cache:6379' })).toThrow(/REDIS_URL: must start with redis:\/\/ or rediss:\/\/$/m);
  });

  it('runs an api or a worker alone only on Postgres and Redis', () => {
    for (const ROLE of ['api', 'worker']) {
      expect(() => parseConfig({ ROLE }), ROLE).toThrow(
        `DATABASE_URL: is required when ROLE is ${ROLE}: only the all role runs embedded\n  - REDIS_URL: is required`,
      );
      expect(() => parseConfig({ ROLE, DATABASE_URL: 'postgres://db/fib' }), ROLE).toThrow(/REDIS_URL: is required/);
    }
  });

  it('takes browser origins as a browser sends them, and names the one it refuses', () => {
    expect(parseConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).CORS_ORIGINS).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(() => parseConfig({ CORS_ORIGINS: 'https://app.example.com,https://other.example.com/' })).toThrow(
      'CORS_ORIGINS.1: must be an origin such as https://app.example.com (got "https://app.example.com,https://other.example.com/")',
    );
    // One problem for one origin, whatever is wrong with it.
    expect(() => parseConfig({ CORS_ORIGINS: 'app.example.com' })).toThrow(/^Invalid configuration:\n {2}- CORS_ORIGINS.0: must be an origin[^\n]*$/);
  });

  it('serves metrics on a port of their own, not on the main one', () => {
    expect(parseConfig({ PORT: '3050', METRICS_PORT: '9464' }).METRICS_PORT).toBe(9_464);
    expect(parseConfig({ PORT: '0', METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
    expect(() => parseConfig({ PORT: '3050', METRICS_PORT: '3050' })).toThrow('METRICS_PORT: must differ from PORT (got "3050")');
  });

  it('names variables that look like a misspelt setting', () => {
    const env = {
      ...{ WORKER_CONCURENCY: '4', ADMIN_PASWORD_FILE: '/run/secrets/admin', REDIS_URL: 'redis://cache' },
      // The environment's own, and libpq's: near a short setting's name, and not misspelt.
      ...{ PATH: '/bin', HOSTNAME: 'api-1', NODE_OPTIONS: '', PWD: '/app', PGHOST: 'db', PGPORT: '5432' },
    };
    expect(misspelledSettings(env)).toEqual([
      { variable: 'WORKER_CONCURENCY', setting: 'WORKER_CONCURRENCY' },
      { variable: 'ADMIN_PASWORD_FILE', setting: 'ADMIN_PASSWORD_FILE' },
    ]);
  });

  it('treats an empty or blank variable as unset', () => {
    const config = parseConfig({ PORT: '', REDIS_URL: '', RATE_LIMIT_MAX: ' ', MAX_NEW_DIGITS_PER_CLIENT_PER_DAY: '\t' });
    expect(config.PORT).toBe(3050);
    expect(config.REDIS_URL).toBeUndefined();
    // Not 0, which would turn the limits off.
    expect(config).toMatchObject({ RATE_LIMIT_MAX: 600, MAX_NEW_DIGITS_PER_CLIENT_PER_DAY: 100_000_000 });
  });

  it('reads whole numbers written in digits only', () => {
    expect(parseConfig({ PORT: ' 8080\n', TRUST_PROXY: '1' })).toMatchObject({ PORT: 8080, TRUST_PROXY: 1 });
    for (const [key, value] of [['PORT', '1e3'], ['TRUST_PROXY', '0x2'], ['PORT', '80.5'], ['PORT', '-1'], ['PORT', '65536'], ['RATE_LIMIT_MAX', '1 000']] as const) {
      expect(() => parseConfig({ [key]: value }), `${key}=${value}`).toThrow(new RegExp(`^  - ${key}: must be a whole number from \\d+ to \\d+ \\(got`, 'm'));
    }
  });

  it('takes a host name or an IP address to listen on', () => {
    for (const HOST of ['0.0.0.0', '::', 'localhost', 'api.internal']) expect(parseConfig({ HOST }).HOST).toBe(HOST);
    expect(() => parseConfig({ HOST: 'not a host' })).toThrow('HOST: must be an IP address or a host name (got "not a host")');
  });

  it('lists every problem at once, without echoing connection strings', () => {
    let error: unknown;
    try {
      parseConfig({ ROLE: 'boss', PORT: 'eighty', DATABASE_URL: 'mysql://root:secret@db/x', MAX_INDEX: '-1' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['ROLE', 'PORT', 'DATABASE_URL', 'MAX_INDEX']);
    expect(message).toContain('Invalid configuration');
    expect(message).not.toContain('secret');
  });
});

describe('operations settings', () => {
  it('reads a secret from its _FILE variant, and never echoes a secret in an error', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/fibstack-secret-`);
    const file = `${dir}/password`;
    writeFileSync(file, 'from-a-secret-file\n');
    try {
      expect(parseConfig({ ADMIN_PASSWORD_FILE: file }).ADMIN_PASSWORD).toBe('from-a-secret-file');
      expect(() => parseConfig({ ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD: must be at least 8 characters$/m);
      expect(() => parseConfig({ ADMIN_PASSWORD_FILE: `${file}.missing` })).toThrow(/ADMIN_PASSWORD_FILE: cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes a backup signing key of at least 32 characters, from its _FILE variant too, and never echoes it', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const key = 'k'.repeat(32);
    expect(parseConfig({}).BACKUP_SIGNING_KEY).toBeUndefined();
    expect(parseConfig({ BACKUP_SIGNING_KEY: key }).BACKUP_SIGNING_KEY).toBe(key);
    const read = () => parseConfig({ BACKUP_SIGNING_KEY: 'too-short-a-key' });
    expect(read).toThrow(/^ {2}- BACKUP_SIGNING_KEY: must be at least 32 characters \(`openssl rand -hex 32` makes one\)$/m);
    expect(read).not.toThrow(/too-short/);
    const dir = mkdtempSync(`${tmpdir()}/fibstack-secret-`);
    try {
      writeFileSync(`${dir}/signing-key`, `${key}\n`);
      expect(parseConfig({ BACKUP_SIGNING_KEY_FILE: `${dir}/signing-key` }).BACKUP_SIGNING_KEY).toBe(key);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a secret set directly as one read from a file: without the newline a secret often ends in', () => {
    expect(parseConfig({ ADMIN_PASSWORD: 'longpassword\n' }).ADMIN_PASSWORD).toBe('longpassword');
    // Blank: unset, as empty is, and the admin routes stay closed.
    expect(parseConfig({ ADMIN_PASSWORD: ' '.repeat(8) }).ADMIN_PASSWORD).toBeUndefined();
  });

  it('lists a secret file it cannot read, or one set twice, among every other problem', () => {
    const read = () => parseConfig({ DATABASE_URL_FILE: '/nonexistent/url', ADMIN_PASSWORD: 'from-the-env', ADMIN_PASSWORD_FILE: '/run/secrets/admin', PORT: 'x' });
    expect(read).toThrow(
      [
        'Invalid configuration:',
        '  - ADMIN_PASSWORD_FILE: set ADMIN_PASSWORD or ADMIN_PASSWORD_FILE, not both',
        '  - DATABASE_URL_FILE: cannot read /nonexistent/url (ENOENT)',
        '  - PORT: must be a whole number from 0 to 65535 (got "x")',
      ].join('\n'),
    );
  });

  it('takes a Sentry DSN only in the shape its SDK reads, never echoing it', () => {
    expect(parseConfig({ SENTRY_DSN: 'https://0123abcd@o1.ingest.sentry.io/42' }).SENTRY_DSN).toBe('https://0123abcd@o1.ingest.sentry.io/42');
    for (const bad of ['https://sentry.example.com/', 'https://key@sentry.example.com/', 'mailto:key@example.com']) {
      const read = () => parseConfig({ SENTRY_DSN: bad });
      expect(read, bad).toThrow(/^ {2}- SENTRY_DSN: must be a DSN such as https:\/\/<key>@<host>\/<project id>$/m);
      expect(read, bad).not.toThrow(/example/);
    }
  });

  it('takes both S3 keys or neither, and an S3 endpoint over HTTP', () => {
    expect(parseConfig({ S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' })).toMatchObject({ S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' });
    expect(() => parseConfig({ S3_ACCESS_KEY_ID: 'id' })).toThrow(/^ {2}- S3_SECRET_ACCESS_KEY: is required with the other S3 key/m);
    expect(() => parseConfig({ S3_SECRET_ACCESS_KEY: 'secret' })).toThrow(/^ {2}- S3_ACCESS_KEY_ID: is required with the other S3 key/m);
    expect(() => parseConfig({ S3_ENDPOINT: 'ftp://minio:9000' })).toThrow(/S3_ENDPOINT: must start with http:\/\/ or https:\/\//);
  });

  it('takes cron expressions of 5 or 6 fields, or off, and refuses anything else', () => {
    expect(parseConfig({ BACKUP_CRON: '*/5 * * * *', PRUNE_CRON: 'off', RECONCILE_CRON: '*/30 * * * * *' })).toMatchObject({
      BACKUP_CRON: '*/5 * * * *',
      PRUNE_CRON: 'off',
      RECONCILE_CRON: '*/30 * * * * *',
    });
    // A field left out is not filled in: "0 3 * *" would run every minute of one hour a month.
    for (const bad of ['every day', '0 3 * *', '5', '0 0 3 * * * *']) {
      expect(() => parseConfig({ RECONCILE_CRON: bad }), bad).toThrow(/RECONCILE_CRON: must be a cron expression/);
    }
  });
});
