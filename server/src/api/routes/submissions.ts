import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { presentPage, sendList } from '../presenters.js';
import { parsePage } from '../validation.js';

export function submissionRoutes(app: FastifyInstance, { calculations, recent }: ApiContext): void {
  app.get('/api/submissions', async (request, reply) => {
    const page = parsePage(request.query);
    return sendList(reply, recent, `submissions:${page.limit}`, page.before, async () => presentPage(await calculations.listSubmissions(page)));
  });
}
