import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';

export function eventRoutes(app: FastifyInstance, { streams }: ApiContext): void {
  app.get('/api/events', (_request, reply) => {
    reply.hijack();
    streams.add(reply.raw);
  });
}
