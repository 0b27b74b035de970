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
 *
 * A client address that sent wrong credentials MAX_FAILURES times is refused (429) until its window
 * ends, before its credentials are looked at: guessing the password runs at MAX_FAILURES tries per
 * FAILURE_WINDOW_MS, not at thousands a second.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../lib/errors.js';
import { clientKey, retryAfterSeconds, type WindowCounts } from '../lib/window-counts.js';
import { sendError } from './errors.js';

export type AdminGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Wrong credentials one client address may send per window. */
export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_MS = 15 * 60_000;

export function adminGuard({ ADMIN_USER, ADMIN_PASSWORD }: Pick<Config, 'ADMIN_USER' | 'ADMIN_PASSWORD'>, failures: WindowCounts): AdminGuard {
  const expected = ADMIN_PASSWORD === undefined ? undefined : digest(`${ADMIN_USER}:${ADMIN_PASSWORD}`);
  return async (request, reply) => {
    if (crossSite(request)) {
      await sendError(reply.header('cache-control', 'no-store'), new AppError('CROSS_SITE_REQUEST', 'admin actions are accepted from this site’s pages only'));
      return;
    }
    const given = /^Basic (.*)$/.exec(request.headers.authorization ?? '')?.[1];
    if (given !== undefined) {
      // Each try is counted before it is answered, in one step, so that guesses sent at once cannot all
      // be answered while the count is still low. The right credentials take theirs back, refused or
      // not: only wrong ones add up, and a page that loads many files at once locks nobody out. Redis
      // away: the count is not known, and the admin pages stay open to the right credentials.
      const client = clientKey(request.ip);
      const { count, resetsInMs } = await failures.add(client).catch(() => ({ count: 0, resetsInMs: 0 }));
      // Digests have equal lengths, so timingSafeEqual compares without revealing where they differ.
      const right = expected !== undefined && timingSafeEqual(digest(Buffer.from(given, 'base64').toString('utf8')), expected);
      if (right) await failures.remove(client).catch(() => {});
      if (count > MAX_FAILURES) {
        const minutes = Math.max(1, Math.ceil(resetsInMs / 60_000));
        const error = new AppError('RATE_LIMITED', `too many wrong credentials; try again in ${minutes} min`, retryAfterSeconds(resetsInMs));
        await sendError(reply.header('cache-control', 'no-store'), error);
        return;
      }
      if (right) return;
    }
    await sendError(
      reply.header('www-authenticate', 'Basic realm="fibstack admin", charset="UTF-8"').header('cache-control', 'no-store'),
      new AppError('UNAUTHORIZED', 'credentials required'),
    );
  };
}

function crossSite({ method, headers, host }: FastifyRequest): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = headers.origin;
  if (origin === undefined) return false;
  try {
    // The host the browser asked for, its port included: behind a trusted proxy, the one it forwards
    // (X-Forwarded-Host), as the proxy's own Host may leave the port out.
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
