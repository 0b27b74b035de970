import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

export interface NpmRun {
  npm: ChildProcess;
  /** Everything it has printed so far, stdout and stderr together. */
  output(): string;
  /** Its exit code and signal. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** Kills whatever is left of its process group. */
  killGroup(): void;
}

/**
 * `npm <args>` in the project, as a user runs it from a shell, for tests of what reaches the processes
 * under npm. The npm of `npm test` passes its settings down as npm_* variables: this npm starts from its
 * own. A process group of its own, so that every process under it can be found, and killed at the end.
 */
export function runNpm(args: string[], env: Record<string, string>): NpmRun {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));
  const npm = spawn('npm', [...args, '--prefix', root], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  npm.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  return {
    npm,
    output: () => output,
    exited: once(npm, 'exit') as Promise<[number | null, NodeJS.Signals | null]>,
    killGroup() {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    },
  };
}
