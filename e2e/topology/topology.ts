/**
 * The distributed topology without containers: a private nginx in front of api replicas, and worker
 * processes, all from the built code, on a Postgres database and a Redis key prefix of their own.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, waitForOk } from '../support/ports.js';
import { renderNginxTemplate } from './nginx-template.js';
import { ManagedProcess } from './process.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const serverMain = join(root, 'server/dist/main.js');
const serverMigrate = join(root, 'server/dist/migrate.js');
const webRoot = join(root, 'web/dist');

export interface TopologyOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Redis key prefix: topologies sharing one Redis stay apart. */
  prefix: string;
  /** Where config, logs and nginx's files go. */
  workDir: string;
  apis?: number;
  workers?: number;
  /** nginx's port; a free one by default. */
  port?: number;
  /** Extra configuration for every server process. */
  env?: Record<string, string>;
  /** nginx's per-client request rate (`limit_req_zone … rate=`); effectively unlimited by default. */
  nginxRate?: string;
  /** Flags for the node binary of every server process (`--cpu-prof`, for one). */
  nodeArgs?: string[];
}

export interface ServerProcess extends ManagedProcess {
  url: string;
}

export class Topology {
  readonly apis: ServerProcess[] = [];
  readonly workers: ServerProcess[] = [];
  nginx: ManagedProcess | undefined;
  url = '';
  private serial = 0;
  /** Set when stop() begins: a start still under way (a run stopped by Ctrl-C) then starts nothing more. */
  private stopping = false;

  constructor(readonly options: TopologyOptions) {}

  async start(): Promise<this> {
    const { workDir, apis = 2, workers = 2 } = this.options;
    await mkdir(join(workDir, 'logs'), { recursive: true });
    await promisify(execFile)(process.execPath, [serverMigrate], { env: this.env({}) });
    await Promise.all([
      ...Array.from({ length: apis }, () => this.startServer('api')),
      ...Array.from({ length: workers }, () => this.startServer('worker')),
    ]);
    await this.startNginx();
    return this;
  }

  /** Stops a server with `signal` and starts its successor on the same port (nginx's upstream stays right). */
  async replace(server: ServerProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<ServerProcess> {
    const role = this.apis.includes(server) ? 'api' : 'worker';
    const list = role === 'api' ? this.apis : this.workers;
    await server.stop(signal);
    list.splice(list.indexOf(server), 1);
    return this.startServer(role, Number(new URL(server.url).port));
  }

  /** Starts one more api or worker process and waits until it is ready. */
  async startServer(role: 'api' | 'worker', port?: number): Promise<ServerProcess> {
    port ??= await freePort();
    const name = `${role}-${++this.serial}`;
    const managed = this.spawn(
      name,
      process.execPath,
      [...(this.options.nodeArgs ?? []), serverMain],
      this.env({ ROLE: role, PORT: String(port) }),
      join(this.options.workDir, 'logs', `${name}.log`),
    ) as ServerProcess;
    managed.url = `http://127.0.0.1:${port}`;
    (role === 'api' ? this.apis : this.workers).push(managed);
    await waitForOk(`${managed.url}/api/ready`);
    return managed;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.nginx?.stop('SIGQUIT');
    await Promise.all([...this.apis, ...this.workers].map((server) => server.stop()));
  }

  private env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATABASE_URL: this.options.databaseUrl,
      DATABASE_POOL_SIZE: '5',
      REDIS_URL: this.options.redisUrl,
      QUEUE_PREFIX: this.options.prefix,
      MIGRATE_ON_START: 'false',
      TRUST_PROXY: '1',
      FIB_THREADS: '1',
      // Just above nginx's upstream keepalive_timeout (3 s): shutdowns stay safe and quick.
      SHUTDOWN_DRAIN_MS: '3500',
      // Tests drive load from one address: the limits have tests of their own.
      RATE_LIMIT_MAX: '0',
      EVENT_STREAMS_PER_CLIENT: '1000',
      MAX_PENDING_PER_CLIENT: '1000',
      MAX_NEW_DIGITS_PER_CLIENT_PER_DAY: '0',
      LOG_LEVEL: 'info',
      ...this.options.env,
      ...extra,
    };
  }

  private spawn(...args: ConstructorParameters<typeof ManagedProcess>): ManagedProcess {
    if (this.stopping) throw new Error('the topology is stopping');
    return new ManagedProcess(...args);
  }

  private async startNginx(): Promise<void> {
    const { workDir } = this.options;
    const port = this.options.port ?? (await freePort());
    const temp = join(workDir, 'nginx-temp');
    await mkdir(temp, { recursive: true });
    const values: Record<string, string> = {
      NGINX_PID: join(workDir, 'nginx.pid'),
      NGINX_ERROR_LOG: join(workDir, 'logs', 'nginx-error.log'),
      NGINX_ACCESS_LOG: 'off',
      NGINX_MIME_TYPES: '/etc/nginx/mime.types',
      NGINX_TEMP: temp,
      NGINX_LISTEN: `127.0.0.1:${port}`,
      NGINX_ROUTES: join(root, 'deploy/nginx/routes.conf'),
      WEB_ROOT: webRoot,
      NGINX_API_RATE: this.options.nginxRate ?? '100000r/s',
      // Processes on this machine alone: a worker per core, as nginx sizes itself.
      NGINX_WORKERS: 'auto',
      // max_fails=0: a replica that refuses a connection is skipped for this request only, never marked
      // down — marking both replicas down during a rolling restart would refuse every request.
      API_SERVERS: this.apis.map((api) => `server ${new URL(api.url).host} max_fails=0;`).join('\n        '),
    };
    const file = join(workDir, 'nginx.conf');
    await writeFile(file, await renderNginxTemplate(values));
    // Started by root, nginx's workers would switch to `nobody`, who may not read a checkout in a private
    // folder: they keep the user that started them instead.
    const user = process.getuid?.() === 0 ? ' user root;' : '';
    const args = ['-c', file, '-e', values.NGINX_ERROR_LOG!, '-g', `daemon off;${user}`];
    this.nginx = this.spawn('nginx', 'nginx', args, process.env, join(workDir, 'logs', 'nginx.log'));
    this.url = `http://127.0.0.1:${port}`;
    await waitForOk(`${this.url}/api/health`);
  }
}
