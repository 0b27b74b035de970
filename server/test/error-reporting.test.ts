import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/crash.ts', import.meta.url));
/** An operator's credentials, sent with the request that fails. */
const CREDENTIALS = 'ops:admin-password-1';
/** A worker's settings name its Postgres and Redis; the fixture connects to neither. */
const UNUSED_SERVICES = { DATABASE_URL: 'postgres://127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' };

interface Received {
  path: string;
  items: Array<Record<string, unknown>>;
}

/** Stands in for the DSN's host: records each envelope Sentry's SDK posts. */
function startReceiver(received: Received[]): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      const items = text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      received.push({ path: request.url ?? '', items });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('error reporting to a Sentry DSN', () => {
  const received: Received[] = [];
  let receiver: Server;
  let dsn: string;

  beforeAll(async () => {
    receiver = await startReceiver(received);
    dsn = `http://publickey@127.0.0.1:${(receiver.address() as AddressInfo).port}/42`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  const run = (crash: string) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', fixture], {
      env: { PATH: process.env.PATH, CRASH: crash, CREDENTIALS, SENTRY_DSN: dsn, SENTRY_ENVIRONMENT: 'staging', SENTRY_RELEASE: 'fibstack@9.9.9', ROLE: 'worker', ...UNUSED_SERVICES },
    }).catch((error: { code?: number }) => error);

  /** The event whose exception is `message` (not one that merely shows it in a frame's source lines). */
  const eventWith = (message: string) =>
    received
      .flatMap((envelope) => envelope.items)
      .find((item) => (item.exception as { values?: Array<{ value?: string }> } | undefined)?.values?.some((value) => value.value === message));

  it('reports an uncaught exception with the environment and release, then the process exits', async () => {
    const outcome = await run('exception');
    expect((outcome as { code?: number }).code).toBe(1);
    const event = eventWith('an uncaught exception');
    expect(event).toMatchObject({ environment: 'staging', release: 'fibstack@9.9.9', tags: { role: 'worker' } });
    expect(received.every((envelope) => envelope.path.startsWith('/api/42/envelope/'))).toBe(true);
  });

  it('reports an unhandled rejection', async () => {
    await run('rejection');
    expect(eventWith('an unhandled rejection')).toMatchObject({ environment: 'staging', release: 'fibstack@9.9.9' });
  });

  it('reports an HTTP request that ended in a 500, with its route', async () => {
    await run('http');
    expect(eventWith('a bug behind a 500')).toMatchObject({ environment: 'staging', extra: { route: '/boom' } });
    // Nothing of the request's credentials or cookies; what helps find the request stays.
    expect(JSON.stringify(received)).not.toContain(Buffer.from(CREDENTIALS).toString('base64'));
    expect(Object.keys((eventWith('a bug behind a 500')!.request as { headers: object }).headers)).toContain('host');
    // A client's mistake (a 4xx) is not an error of the service.
    expect(eventWith('index must be at most 10')).toBeUndefined();
  });

  it('reports a job that failed its last attempt, with the job name', async () => {
    await run('job');
    expect(eventWith('a job failed for good')).toMatchObject({ release: 'fibstack@9.9.9', extra: { job: 'compute-fibonacci' } });
  });
});
