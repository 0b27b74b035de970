import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';

/** What a client needs to validate input before the round trip. */
export function configRoutes(app: FastifyInstance, { config }: ApiContext): void {
  app.get('/api/config', async () => ({ maxIndex: config.MAX_INDEX }));
}
