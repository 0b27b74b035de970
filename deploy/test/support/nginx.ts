import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk } from './run.js';

/** A free TCP port on loopback (nginx cannot be told to pick one itself). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Where this test file's config copies live, made at the first copy; removeLocalConfigs() clears it. */
let copies: string | undefined;
let copied = 0;

/**
 * A copy of one of our nginx configs that runs on this machine: `replacements` move the container's
 * paths, ports and host names to local ones. Returns the path of the copy.
 */
export function localConfig(source: string, replacements: [string, string][]): string {
  let text = readFileSync(source, 'utf8');
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`${source} no longer contains ${from}`);
    text = text.replaceAll(from, to);
  }
  // A test's output is a socket, which nginx cannot open by path as it opens a container's pipe.
  text = text.replaceAll('access_log /dev/stdout;', 'access_log off;');
  copies ??= mkdtempSync(join(tmpdir(), 'fibstack-nginx-'));
  const path = join(copies, `nginx-${++copied}.conf`);
  writeFileSync(path, text);
  return path;
}

export function removeLocalConfigs(): void {
  if (copies) rmSync(copies, { recursive: true, force: true });
  copies = undefined;
}

/** `nginx -t` on a config file; throws with nginx's complaint. */
export async function checkConfig(path: string): Promise<void> {
  await runOk('nginx', ['-t', '-q', '-c', path]);
}

/** Runs nginx in the foreground on a config until stop() is called. */
export async function startNginx(path: string, port: number): Promise<{ stop(): Promise<void> }> {
  const child: ChildProcess = spawn('nginx', ['-c', path, '-g', 'daemon off;'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`);
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}
