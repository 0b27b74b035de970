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
  if (writtenForOperator(error)) return error.message;
  const code = codeOf(error);
  if (!(error instanceof Error) || code === undefined) return undefined;
  // A connection tried on several addresses fails with all of them, and an empty message of its own.
  const message = error.message || (error instanceof AggregateError ? error.errors.map((inner: Error) => inner.message).join('; ') : code);
  return `${message} (${code})`;
}

/**
 * Whether a failure is of the world, not of the program: a message written for the operator, or a
 * system call refused (an errno code: a port taken, a connection refused, a folder not writable), or
 * Postgres out of reach (SQLSTATE classes 08 connection, 28 credentials, 3D no such database, 53 out of
 * resources, 57 shutting down). An SQL error or one of Node's own (`ERR_…`) is a fault of the program.
 */
export function isOperational(error: unknown): boolean {
  if (writtenForOperator(error)) return true;
  const code = codeOf(error);
  return code !== undefined && (/^E[A-Z]+$/.test(code) || /^(08|28|3D|53|57)[0-9A-Z]{3}$/.test(code));
}

/** A setting, a refused request or backup, the data folder in use: its message is the line to print. */
function writtenForOperator(error: unknown): error is AppError | ConfigError | DataDirInUseError {
  return error instanceof AppError || error instanceof ConfigError || error instanceof DataDirInUseError;
}

/** The error's code (an errno, a SQLSTATE, one of Node's own), when it has one. */
function codeOf(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
