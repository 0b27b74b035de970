/**
 * HTTP Basic credentials for everything an operator sees (/admin, /api/admin, /metrics on PORT).
 * Compared in constant time; without a configured password nobody gets in. A refusal says only that
 * credentials are needed: nothing about the system.
 *
 * A browser sends the credentials it has cached with any request to the site, a form posted from
 * another site's page too: actions (every method but GET, HEAD and OPTIONS) sent cross-site are
 * refused, as Go's CrossOriginProtection refuses them. Browsers say where a request comes from
 * (`Sec-Fetch-Site`, or else `Origin`); a client that says neither (curl, a script) is not a browser
 * and goes by its credentials alone.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { body } from './errors.js';

export type AdminGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export function adminGuard({ ADMIN_USER, ADMIN_PASSWORD }: Pick<Config, 'ADMIN_USER' | 'ADMIN_PASSWORD'>): AdminGuard {
  const expected = ADMIN_PASSWORD === undefined ? undefined : digest(`${ADMIN_USER}:${ADMIN_PASSWORD}`);
  return async (request, reply) => {
    if (crossSite(request)) {
      await reply.status(403).header('cache-control', 'no-store').send(body('CROSS_SITE_REQUEST', 'admin actions are accepted from this site’s pages only'));
      return;
    }
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

function crossSite({ method, headers }: FastifyRequest): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== headers.host;
  } catch {
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
