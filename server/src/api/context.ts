import type { Config } from '../config.js';
import type { ReadCache } from '../lib/read-cache.js';
import type { CalculationService } from '../services/calculation.service.js';
import type { EventStreamHub } from './event-stream.js';

export type Checks = Record<string, 'up' | 'down'>;

/** What the health routes need: every role has them. */
export interface HealthContext {
  readiness: () => Promise<Checks>;
  /** True once the process has been asked to stop: it is no longer ready for new work. */
  draining: () => boolean;
}

/** The services the API routes call, from the role that serves them. */
export interface ApiServices {
  calculations: CalculationService;
  streams: EventStreamHub;
  /** The lists' first pages, serialized; dropped on every change this process makes or hears of. */
  recent: ReadCache;
}

/** What the API routes need: their services, with the server's configuration and whether it is stopping. */
export interface ApiContext extends ApiServices, Pick<HealthContext, 'draining'> {
  config: Config;
}
