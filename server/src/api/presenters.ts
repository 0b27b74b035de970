import type { FastifyReply } from 'fastify';
import type { ReadCache } from '../lib/read-cache.js';
import type { Page } from '../repositories/page.js';

/** A page as clients see it: items and an opaque cursor for the next one. */
export function presentPage<T>({ items, next }: Page<T>): { items: T[]; nextCursor: string | null } {
  return { items, nextCursor: next === null ? null : String(next) };
}

/**
 * Answers with a list as JSON. Its first page (no cursor) is shared with other requests (see ReadCache):
 * serialized once, sent as is. Pages after the first are read afresh each time.
 */
export async function sendList(
  reply: FastifyReply,
  recent: ReadCache,
  key: string,
  cursor: number | undefined,
  load: () => Promise<unknown>,
): Promise<FastifyReply> {
  const serialize = async () => JSON.stringify(await load());
  const json = cursor === undefined ? await recent.get(key, serialize) : await serialize();
  return reply.type('application/json; charset=utf-8').send(json);
}
