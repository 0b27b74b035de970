import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { sendList } from '../presenters.js';
import { parseIndexBody } from '../validation.js';

/** The original multi-container app's API, so its client works unchanged. Bounded to recent history. */
const RECENT = 100;

export function compatRoutes(app: FastifyInstance, { calculations, config, recent }: ApiContext): void {
  app.get('/api/values/all', async (_request, reply) =>
    sendList(reply, recent, 'values/all', undefined, async () => {
      const { items } = await calculations.list({ limit: RECENT });
      return items.map((calculation) => ({ number: calculation.index }));
    }),
  );

  app.get('/api/values/current', async (_request, reply) =>
    sendList(reply, recent, 'values/current', undefined, async () => {
      const values = await calculations.recentValues(RECENT);
      return Object.fromEntries(values.map(({ index, value }) => [String(index), value ?? 'Nothing yet!']));
    }),
  );

  app.post('/api/values', async (request) => {
    const index = parseIndexBody(request.body, config.MAX_INDEX, request.jsonText);
    await calculations.submit(index, { requestId: request.id, client: request.ip });
    return { working: true };
  });
}
