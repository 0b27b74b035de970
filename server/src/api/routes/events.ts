import type { FastifyInstance } from 'fastify';
import { AppError, UnavailableError } from '../../lib/errors.js';
import { clientKey } from '../../lib/window-counts.js';
import type { ApiContext } from '../context.js';

export function eventRoutes(app: FastifyInstance, { streams, draining }: ApiContext): void {
  app.get('/api/events', async (request, reply) => {
    // A stream opened now would hold the stopping process open until its deadline: the client
    // reconnects instead, to another replica behind the proxy.
    if (draining()) throw new UnavailableError('this api process is shutting down; reconnect');
    // HEAD: the headers of a stream, and no stream (Node sends no body to HEAD, so one would never end).
    if (request.method === 'HEAD') return reply.type('text/event-stream').header('cache-control', 'no-cache').send();
    // An IPv6 address by its /64, as every per-client limit counts clients.
    const client = clientKey(request.ip);
    if (!streams.admits(client)) throw new AppError('RATE_LIMITED', 'too many open event streams from this client', STREAM_RETRY_SECONDS);
    reply.hijack();
    // Hijacked, the stream skips fastify's reply pipeline: carry over the headers set so far (security, request id).
    streams.add(reply.raw, client, { ...reply.getHeaders(), 'x-request-id': request.id } as Record<string, string>);
  });
}

/** When a client refused for holding too many streams may try again: one of them may have ended by then. */
const STREAM_RETRY_SECONDS = 5;
