import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { ApiContext } from '../context.js';

/** What a client needs to validate input before the round trip. */
export function clientConfig(config: Pick<Config, 'MAX_INDEX' | 'MAX_EXACT_INDEX'>) {
  return { maxIndex: config.MAX_INDEX, maxExactIndex: config.MAX_EXACT_INDEX };
}

export function configRoutes(app: FastifyInstance, { config }: ApiContext): void {
  app.get('/api/config', async () => clientConfig(config));
}
