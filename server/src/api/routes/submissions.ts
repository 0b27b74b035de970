import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { presentPage } from '../presenters.js';
import { parsePage } from '../validation.js';

export function submissionRoutes(app: FastifyInstance, { calculations }: ApiContext): void {
  app.get('/api/submissions', async (request) => presentPage(await calculations.listSubmissions(parsePage(request.query))));
}
