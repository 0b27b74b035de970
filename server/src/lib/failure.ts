import { ConfigError } from '../config.js';
import { DataDirInUseError } from '../db/data-dir-lock.js';
import { AppError } from './errors.js';

/**
 * What stopped a command (migrate.js, the backup CLI) in one line an operator can act on: a message
 * written for them (a setting, a refused backup, the data folder in use), or a failure with a code
 * (Postgres's answer, a connection refused, a folder not writable) as its message and code. Undefined
 * for anything else: a fault of the program, whose stack says more.
 */
export function failureLine(error: unknown): string | undefined {
  if (error instanceof AppError || error instanceof ConfigError || error instanceof DataDirInUseError) return error.message;
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  // A connection tried on several addresses fails with all of them, and an empty message of its own.
  const message = error.message || (error instanceof AggregateError ? error.errors.map((inner: Error) => inner.message).join('; ') : code);
  return `${message} (${code})`;
}
