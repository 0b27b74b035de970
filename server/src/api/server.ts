import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { MemoryWindowCounts, RedisWindowCounts } from '../lib/window-counts.js';
import { instrumentHttp } from '../observability/instrument.js';
import type { Metrics } from '../observability/metrics.js';
import { metricsRoute } from '../observability/metrics.routes.js';
import { adminGuard, FAILURE_WINDOW_MS } from './admin-auth.js';
import type { ApiContext, ApiServices, HealthContext } from './context.js';
import { answerClientError, answerFrameworkError, notFound, registerErrorHandling } from './errors.js';
import { adminRoutes, type AdminContext } from './routes/admin.js';
import { registerProtection } from './protection.js';
import { calculationRoutes } from './routes/calculations.js';
import { compatRoutes } from './routes/compat.js';
import { configRoutes } from './routes/config.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { submissionRoutes } from './routes/submissions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** A JSON body's text, as sent. */
    jsonText: string;
  }
}

/** Writes are a small JSON object; anything larger is refused before it is read. */
const BODY_LIMIT = 1024;
const REQUEST_ID = /^[\w.-]{1,64}$/;

export interface HttpOptions {
  config: Config;
  logger: Logger;
  /** Where rate-limit counts are kept across replicas; in process without it. */
  redis?: Redis;
  health: HealthContext;
  metrics: Metrics;
  /** The API routes; absent in the worker role, which answers health checks only. */
  api?: ApiServices;
  /** The admin API, page and queue dashboard; absent in the worker role. */
  admin?: Omit<AdminContext, 'guard'>;
  /** Serve the built web client (the embedded default). */
  serveWeb?: boolean;
}

export async function buildHttpServer({ config, logger, redis, health, metrics, api, admin, serveWeb }: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: (_address, hop) => hop < config.TRUST_PROXY,
    // Keep the id nginx (or the client) sent, so one id follows a request across processes.
    genReqId: (request) => {
      const id = request.headers['x-request-id'];
      return typeof id === 'string' && REQUEST_ID.test(id) ? id : randomUUID();
    },
    // One line per request at 5,000 requests a second is noise: failures are logged in onResponse.
    logController: new LogController({ disableRequestLogging: true }),
    // Closing comes after the drain: a late request is still answered (with Connection: close), not refused.
    return503OnClosing: false,
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });

  // JSON only: a text/plain body is a 415, not a string to guess at.
  app.removeContentTypeParser('text/plain');
  // JSON parsed as Fastify does (prototype poisoning refused), its text kept: parsing rounds numbers,
  // and validation must see `1e-400` as sent, not as 0. A byte order mark, which Fastify's parser
  // skips, is left out of the text too.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.decorateRequest('jsonText', '');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.jsonText = (body as string).replace(/^\uFEFF/, '');
    parseJson(request, request.jsonText, done);
  });
  registerErrorHandling(app);
  await registerProtection(app, config, redis);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Stopping: the proxy must not send another request on this connection.
    if (health.draining()) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 500) request.log.warn({ method: request.method, url: request.url, status: reply.statusCode }, 'request failed');
    else request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  instrumentHttp(app, metrics);
  const guard = adminGuard(
    config,
    redis ? new RedisWindowCounts(redis, `${config.QUEUE_PREFIX}:admin-sign-in-failures`, FAILURE_WINDOW_MS) : new MemoryWindowCounts(FAILURE_WINDOW_MS),
  );

  healthRoutes(app, health);
  if (config.METRICS_PORT === undefined) metricsRoute(app, metrics, guard);
  if (api) {
    const context: ApiContext = { ...api, config, draining: health.draining };
    calculationRoutes(app, context);
    submissionRoutes(app, context);
    eventRoutes(app, context);
    compatRoutes(app, context);
    configRoutes(app, context);
  }
  if (admin) await adminRoutes(app, { ...admin, guard });
  const web = serveWeb && (await registerWebClient(app, config.WEB_DIR, logger));
  app.setNotFoundHandler((request, reply) => {
    if (web && isPageRequest(request)) return reply.header('cache-control', 'no-cache').sendFile('index.html');
    return reply.status(404).send(notFound(request));
  });
  return app;
}

/** A browser asking for a client-side route: answered with the client, which routes it. */
function isPageRequest(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && !request.url.startsWith('/api');
}

/** Serves the built client; false when there is none to serve. */
async function registerWebClient(app: FastifyInstance, root: string, logger: Logger): Promise<boolean> {
  if (!existsSync(`${root}/index.html`)) {
    logger.warn({ root }, 'no built web client found; run `npm run build -w web`');
    return false;
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    cacheControl: false,
    // Vite fingerprints everything under assets/: cache it for good; revalidate the rest.
    setHeaders: (reply, path) =>
      reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
  return true;
}
