import { pino, type Logger } from 'pino';
import type { Config } from '../config.js';

export type { Logger };

export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'ROLE'>): Logger {
  return pino({
    level: config.LOG_LEVEL,
    base: { role: config.ROLE, pid: process.pid },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.DATABASE_URL', '*.REDIS_URL'],
      censor: '[redacted]',
    },
  });
}
