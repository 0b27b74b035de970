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
 * running container's health check every five seconds, as the timers would (podman still applies
 * each check's start period and retries).
 */
export function tickHealthChecks(engine: Engine, project: string): { stop(): void } {
  let stopped = false;
  const tick = async () => {
    while (!stopped) {
      const ids = await run('podman', ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`], {
        env: engine.env,
      });
      await Promise.all(
        ids.stdout.split('\n').filter(Boolean).map((id) => run('podman', ['healthcheck', 'run', id], { env: engine.env })),
      );
      await new Promise((done) => setTimeout(done, 5_000));
    }
  };
  void tick();
  return { stop: () => (stopped = true) };
}
