/**
 * HTTP Basic credentials for everything an operator sees (/admin, /api/admin, /metrics on PORT).
 * Compared in constant time; without a configured password nobody gets in. A refusal says only that
 * credentials are needed: nothing about the system.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { body } from './errors.js';

export type AdminGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export function adminGuard({ ADMIN_USER, ADMIN_PASSWORD }: Pick<Config, 'ADMIN_USER' | 'ADMIN_PASSWORD'>): AdminGuard {
  const expected = ADMIN_PASSWORD === undefined ? undefined : digest(`${ADMIN_USER}:${ADMIN_PASSWORD}`);
  return async (request, reply) => {
    const given = /^Basic ([A-Za-z0-9+/=]+)$/.exec(request.headers.authorization ?? '')?.[1];
    // Digests have equal lengths, so timingSafeEqual compares without revealing where they differ.
    if (expected && given && timingSafeEqual(digest(Buffer.from(given, 'base64').toString('utf8')), expected)) return;
    await reply
      .status(401)
      .header('www-authenticate', 'Basic realm="fibstack admin", charset="UTF-8"')
      .header('cache-control', 'no-store')
      .send(body('UNAUTHORIZED', 'credentials required'));
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
