import type { Config } from '../config.js';
import type { CalculationService } from '../services/calculation.service.js';
import type { EventStreamHub } from './event-stream.js';

export type Checks = Record<string, 'up' | 'down'>;

/** What the health routes need: every role has them. */
export interface HealthContext {
  readiness: () => Promise<Checks>;
}

/** What the API routes need. */
export interface ApiContext extends HealthContext {
  config: Config;
  calculations: CalculationService;
  streams: EventStreamHub;
}
