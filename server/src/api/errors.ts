import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, isTransientError, UnavailableError, type ErrorCode } from '../lib/errors.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

const INVALID_JSON: [ErrorCode, string] = ['INVALID_BODY', 'the body must be a JSON object such as {"index": 10}'];

/** Fastify's own request errors, in our codes and words. */
const fastifyErrors: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'the body is larger than 1 kB'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: INVALID_JSON,
  FST_ERR_CTP_EMPTY_JSON_BODY: INVALID_JSON,
  FST_ERR_CTP_INVALID_JSON_BODY: INVALID_JSON,
};

/**
 * The one place errors become HTTP answers. Known errors keep their code and message; a dependency that
 * is down is a 503 the client may retry; anything else is a generic 500, logged with the request id.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = toAppError(error);
    if (known) {
      if (known instanceof UnavailableError) request.log.warn({ reason: error.message }, 'dependency unavailable');
      if (known.retryAfterSeconds !== undefined) void reply.header('retry-after', String(known.retryAfterSeconds));
      return reply.status(known.status).send(body(known.code, known.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(body('INTERNAL', 'Something went wrong; it has been logged.'));
  });
}

function toAppError(error: FastifyError): AppError | undefined {
  if (error instanceof AppError) return error;
  if (isTransientError(error)) return new UnavailableError('A service this request needs is unavailable; try again shortly.');
  const translated = fastifyErrors[error.code];
  if (translated) return new AppError(...translated);
  // Other client errors fastify raises: bad JSON, forbidden keys such as __proto__.
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return new AppError(...INVALID_JSON);
  return undefined;
}

export function body(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}
