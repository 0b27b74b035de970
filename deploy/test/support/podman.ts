import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deployDir, run } from './run.js';

/** What the docker CLI, docker-compose and podman itself need to reach one podman service. */
export interface Engine {
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * Starts `podman system service` on a private socket, so docker-compose can drive podman as it
 * drives a Docker engine. Stopped by stop(), never left behind.
 */
export async function startEngine(dir: string): Promise<Engine> {
  const socket = join(dir, 'podman.sock');
  const env = {
    ...process.env,
    CONTAINERS_CONF: resolve(deployDir, 'test/bases/containers.conf'),
    DOCKER_HOST: `unix://${socket}`,
  };
  const service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { env, stdio: 'ignore' });
  const deadline = Date.now() + 20_000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline || service.exitCode !== null) throw new Error('podman system service did not start');
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    env,
    stop: () =>
      new Promise((done) => {
        if (service.exitCode !== null) return done();
        service.once('exit', () => done());
        service.kill('SIGTERM');
      }),
  };
}

/**
 * podman runs health checks from systemd timers, and this machine has no systemd: without help every
 * container stays `starting` and compose's `service_healthy` conditions never hold. This runs each
 * running container's health check at the container's own interval, as the timers would (podman
 * still applies each check's start period and retries).
 */
export function tickHealthChecks(engine: Engine, project: string): { stop(): void } {
  let stopped = false;
  const due = new Map<string, number>();
  const podman = (args: string[]) => run('podman', args, { env: engine.env });

  const tick = async () => {
    while (!stopped) {
      const ids = (await podman(['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`])).stdout
        .split('\n')
        .filter(Boolean);
      await Promise.all(
        ids.map(async (id) => {
          if ((due.get(id) ?? 0) > Date.now()) return;
          const inspected = await podman(['inspect', id, '--format', '{{json .Config.Healthcheck}}']);
          // Interval in nanoseconds; a container without a check says null and is looked at later.
          const check = JSON.parse(inspected.stdout.trim() || 'null') as { Interval?: number } | null;
          const intervalMs = (check?.Interval ?? 0) / 1e6 || 5_000;
          due.set(id, Date.now() + intervalMs);
          await podman(['healthcheck', 'run', id]);
        }),
      );
      await new Promise((done) => setTimeout(done, 1_000));
    }
  };
  void tick();
  return { stop: () => (stopped = true) };
}
