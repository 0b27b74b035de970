import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.js';

export type { Logger };

/** The service's logger: JSON lines to standard output (or `destination`), credentials redacted. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'ROLE'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.LOG_LEVEL,
    base: { role: config.ROLE, pid: process.pid },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.DATABASE_URL', '*.REDIS_URL'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
