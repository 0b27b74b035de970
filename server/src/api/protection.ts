/**
 * What every response carries and every client is held to: security headers, CORS (closed unless
 * configured), and a per-client rate limit that holds across replicas (counted in Redis when there is one).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { AppError } from '../lib/errors.js';

/**
 * What is rate limited: the API (but probes and the event stream, capped separately), the queue
 * dashboard's API and the metrics. The pages and their files are not (nginx serves them without a
 * limit, and so does the embedded default): a client over the limit still loads the page that says so.
 * Told by the route the router matched, never by the address as sent, which may spell the same path
 * another way (`/%61pi/…`).
 */
const LIMITED = /^\/(api|admin\/queues\/api|metrics)(\/|$)/;
const UNLIMITED = /^\/api\/(health|ready|events)$/;

function isLimited(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && LIMITED.test(route) && !UNLIMITED.test(route);
}

export async function registerProtection(app: FastifyInstance, config: Config, redis: Redis | undefined): Promise<void> {
  // Worked out once: with these options helmet's headers are the same for every response, and setting
  // them from one object costs a fraction of running its dozen middlewares on each request.
  const securityHeaders = headersSetBy(helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // HSTS belongs where TLS terminates (the ingress or proxy), not on plain HTTP.
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  }));
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  if (config.CORS_ORIGINS.length > 0) await app.register(cors, { origin: config.CORS_ORIGINS, methods: ['GET', 'POST'] });
  if (config.RATE_LIMIT_MAX > 0) {
    await app.register(rateLimit, {
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      redis,
      nameSpace: `${config.QUEUE_PREFIX}:rate-limit:`,
      // Redis away: requests go on (and meet a 503 where they need Redis) rather than all being refused.
      skipOnError: true,
      allowList: (request) => !isLimited(request),
      errorResponseBuilder: (_request, context) =>
        new AppError('RATE_LIMITED', `too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`),
    });
  }
}

type Middleware = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

/** The headers a middleware that only sets headers sets, found by running it once on a stand-in response. */
function headersSetBy(middleware: Middleware): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let finished = false;
  middleware({} as IncomingMessage, response as unknown as ServerResponse, (error) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('the security headers middleware did not finish at once');
  return headers;
}
