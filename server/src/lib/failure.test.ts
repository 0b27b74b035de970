import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.js';
import { AppError } from './errors.js';
import { failureLine, isOperational } from './failure.js';

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('a failure told apart from a fault of the program', () => {
  it('takes messages for the operator, refused system calls and Postgres out of reach for failures of the world', () => {
    expect(isOperational(new ConfigError(['PORT: must be a whole number from 0 to 65535']))).toBe(true);
    expect(isOperational(new AppError('NOT_FOUND', 'no backup named x'))).toBe(true);
    expect(isOperational(coded('listen EADDRINUSE: address already in use 127.0.0.1:3050', 'EADDRINUSE'))).toBe(true);
    expect(isOperational(coded('connection terminated', '08006'))).toBe(true);
    expect(isOperational(coded('password authentication failed for user "x"', '28P01'))).toBe(true);
    expect(isOperational(coded('database "x" does not exist', '3D000'))).toBe(true);
    expect(isOperational(coded('the database system is shutting down', '57P03'))).toBe(true);
  });

  it('takes an SQL error, one of Node’s own and any other for faults of the program', () => {
    expect(isOperational(coded('relation "calculations" does not exist', '42P01'))).toBe(false);
    expect(isOperational(coded('Cannot find module x', 'ERR_MODULE_NOT_FOUND'))).toBe(false);
    expect(isOperational(new TypeError('x is not a function'))).toBe(false);
    expect(isOperational('a string')).toBe(false);
  });

  it('says a failure with a code in one line, with its code', () => {
    expect(failureLine(coded('listen EADDRINUSE: address already in use 127.0.0.1:3050', 'EADDRINUSE'))).toBe(
      'listen EADDRINUSE: address already in use 127.0.0.1:3050 (EADDRINUSE)',
    );
  });
});
