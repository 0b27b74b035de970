import type { FastifyInstance } from 'fastify';
import { AppError, UnavailableError } from '../../lib/errors.js';
import type { ApiContext } from '../context.js';

export function eventRoutes(app: FastifyInstance, { streams, draining }: ApiContext): void {
  app.get('/api/events', async (request, reply) => {
    // A stream opened now would hold the stopping process open until its deadline: the client
    // reconnects instead, to another replica behind the proxy.
    if (draining()) throw new UnavailableError('this api process is shutting down; reconnect');
    if (!streams.admits(request.ip)) throw new AppError('RATE_LIMITED', 'too many open event streams from this client');
    reply.hijack();
    // Hijacked, the stream skips fastify's reply pipeline: carry over the headers set so far (security, request id).
    streams.add(reply.raw, request.ip, { ...reply.getHeaders(), 'x-request-id': request.id } as Record<string, string>);
  });
}
