import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { parseIndexBody } from '../validation.js';

/** The original multi-container app's API, so its client works unchanged. Bounded to recent history. */
const RECENT = 100;

export function compatRoutes(app: FastifyInstance, { calculations, config }: ApiContext): void {
  app.get('/api/values/all', async () => {
    const { items } = await calculations.list({ limit: RECENT });
    return items.map((calculation) => ({ number: calculation.index }));
  });

  app.get('/api/values/current', async () => {
    const recent = await calculations.recentValues(RECENT);
    return Object.fromEntries(recent.map(({ index, value }) => [String(index), value ?? 'Nothing yet!']));
  });

  app.post('/api/values', async (request) => {
    await calculations.submit(parseIndexBody(request.body, config.MAX_INDEX), { requestId: request.id, client: request.ip });
    return { working: true };
  });
}
