import Fastify, { type FastifyInstance } from 'fastify';
import type { AdminGuard } from '../api/admin-auth.js';
import type { Metrics } from './metrics.js';

/** `/metrics` on the main HTTP server, behind the admin credentials. */
export function metricsRoute(app: FastifyInstance, metrics: Metrics, guard: AdminGuard): void {
  app.get('/metrics', { onRequest: guard }, async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}

/**
 * `/metrics` on a port of its own, for a scraper inside the deployment's network: never published, so
 * it needs no credentials, and scrapes never compete with the API's request limits.
 */
export async function startMetricsServer(metrics: Metrics, host: string, port: number): Promise<FastifyInstance> {
  const app = Fastify();
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.header('content-type', contentType).send(body);
  });
  await app.listen({ host, port });
  return app;
}
