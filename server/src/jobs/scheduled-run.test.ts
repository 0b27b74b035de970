import { describe, expect, it } from 'vitest';
import { shortError } from './scheduled-run.js';

describe('a failed periodic run’s error, as the admin page shows it', () => {
  it('keeps the first line, bounded, without credentials in an address', () => {
    expect(shortError(new Error('dump failed\n    at pg_dump'))).toBe('dump failed');
    expect(shortError(new Error('connect to postgres://fib:s3cret@db:5432/fib refused'))).toBe('connect to postgres://[redacted]@db:5432/fib refused');
    expect(shortError('thrown as a string')).toBe('thrown as a string');
    const long = shortError(new Error('x'.repeat(500)));
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
  });
});
