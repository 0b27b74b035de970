import type { FastifyInstance } from 'fastify';
import type { HealthContext } from '../context.js';

export function healthRoutes(app: FastifyInstance, { readiness, draining }: HealthContext): void {
  app.get('/api/health', async () => ({ status: 'ok' }));

  app.get('/api/ready', async (_request, reply) => {
    if (draining()) return reply.status(503).send({ status: 'draining', checks: {} });
    const checks = await readiness();
    const ready = Object.values(checks).every((state) => state === 'up');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });
}
