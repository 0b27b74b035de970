/**
 * What every response carries and every client is held to: security headers, CORS (closed unless
 * configured), and a per-client rate limit that holds across replicas (counted in Redis when there is one).
 */
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { AppError } from '../lib/errors.js';

/** Probes and the event stream (capped separately) are never rate limited. */
const UNLIMITED = /^\/api\/(health|ready|events)(\?|$)/;

export async function registerProtection(app: FastifyInstance, config: Config, redis: Redis | undefined): Promise<void> {
  // Built once: @fastify/helmet rebuilds the middleware, CSP parsing included, on every request.
  const securityHeaders = helmet({
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
  });
  app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)));
  if (config.CORS_ORIGINS.length > 0) await app.register(cors, { origin: config.CORS_ORIGINS, methods: ['GET', 'POST'] });
  if (config.RATE_LIMIT_MAX > 0) {
    await app.register(rateLimit, {
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      redis,
      nameSpace: `${config.QUEUE_PREFIX}:rate-limit:`,
      // Redis away: requests go on (and meet a 503 where they need Redis) rather than all being refused.
      skipOnError: true,
      allowList: (request) => UNLIMITED.test(request.url),
      errorResponseBuilder: (_request, context) =>
        new AppError('RATE_LIMITED', `too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`),
    });
  }
}
