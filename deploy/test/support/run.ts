import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The folder of the deployment files. */
export const deployDir = resolve(root, 'deploy');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and reports its exit code and output instead of throwing. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((done) => {
    const child = execFile(
      command,
      args,
      {
        cwd: options.cwd ?? root,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Like run, but a non-zero exit throws with the command's output, which is what a test wants to see. */
export async function runOk(...params: Parameters<typeof run>): Promise<string> {
  const result = await run(...params);
  if (result.code !== 0) {
    throw new Error(`${params[0]} ${params[1].join(' ')} exited ${result.code}\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}
