import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { presentPage, sendList } from '../presenters.js';
import { parseIndexBody, parseIndexParam, parsePage } from '../validation.js';

export function calculationRoutes(app: FastifyInstance, { calculations, config, recent }: ApiContext): void {
  app.post('/api/calculations', async (request, reply) => {
    const index = parseIndexBody(request.body, config.MAX_INDEX, request.jsonText);
    const calculation = await calculations.submit(index, { requestId: request.id, client: request.ip });
    return reply.status(calculation.status === 'done' ? 200 : 202).send(calculation);
  });

  app.get('/api/calculations', async (request, reply) => {
    const page = parsePage(request.query);
    return sendList(reply, recent, `calculations:${page.limit}`, page.before, async () => presentPage(await calculations.list(page)));
  });

  app.get<{ Params: { index: string } }>('/api/calculations/:index', async (request) =>
    calculations.get(parseIndexParam(request.params.index, config.MAX_INDEX)),
  );

  app.get<{ Params: { index: string } }>('/api/calculations/:index/value', async (request, reply) => {
    const index = parseIndexParam(request.params.index, config.MAX_INDEX);
    const { calculation, chunks } = await calculations.value(index);
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('content-length', String(calculation.digits))
      .header('content-disposition', `inline; filename="fibonacci-${index}.txt"`)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(Readable.from(chunks));
  });
}
