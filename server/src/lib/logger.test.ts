import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('redacts credentials wherever the service logs them: request headers, passwords, connection URLs', () => {
    const lines: string[] = [];
    const logger = createLogger(
      { LOG_LEVEL: 'info', ROLE: 'api' },
      new Writable({ write: (chunk: Buffer, _encoding, done) => done(void lines.push(chunk.toString())) }),
    );
    logger.info(
      {
        req: { method: 'GET', headers: { authorization: 'Basic b3BzOnMzY3JldA==', cookie: 'session=s3cret-cookie', host: 'example.org' } },
        s3: { password: 's3cret-password' },
        config: { DATABASE_URL: 'postgres://app:s3cret-db@db/fibstack', REDIS_URL: 'redis://:s3cret-redis@redis:6379' },
      },
      'request',
    );
    const [line] = lines.map((text) => JSON.parse(text));
    expect(line).toMatchObject({
      role: 'api',
      req: { method: 'GET', headers: { authorization: '[redacted]', cookie: '[redacted]', host: 'example.org' } },
      s3: { password: '[redacted]' },
      config: { DATABASE_URL: '[redacted]', REDIS_URL: '[redacted]' },
    });
    expect(lines.join('')).not.toMatch(/s3cret|b3BzOnMzY3JldA/);
  });
});
