/**
 * For a file operation's rejection: a file or folder that is not there answers `fallback` (nothing
 * made yet, nothing left over); any other failure (no rights, not a folder, a full disk) stays one.
 */
export function ifMissing<T>(fallback: T): (error: NodeJS.ErrnoException) => T {
  return (error) => {
    if (error.code === 'ENOENT') return fallback;
    throw error;
  };
}
