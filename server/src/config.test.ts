import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('runs the embedded default with no variables set', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ ROLE: 'all', PORT: 3050, MIGRATE_ON_START: true, QUEUE_PREFIX: 'fibstack' });
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

  it('treats an empty variable as unset', () => {
    const config = parseConfig({ PORT: '', REDIS_URL: '' });
    expect(config.PORT).toBe(3050);
    expect(config.REDIS_URL).toBeUndefined();
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
