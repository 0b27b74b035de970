import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isTransientError, UnavailableError, type ErrorCode } from '../lib/errors.js';
import { reportError } from '../observability/error-reporting.js';
import { INVALID_BODY_MESSAGE } from './validation.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

const INVALID_JSON: [ErrorCode, string] = ['INVALID_BODY', INVALID_BODY_MESSAGE];

/** Fastify's own request errors, in our codes and words. */
const fastifyErrors: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'the body is larger than 1 kB'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: INVALID_JSON,
  FST_ERR_CTP_EMPTY_JSON_BODY: INVALID_JSON,
  FST_ERR_CTP_INVALID_JSON_BODY: INVALID_JSON,
};

/** What the web client's file server refuses (embedded default): conditional and range requests. */
const fileErrors: Record<number, [ErrorCode, string]> = {
  412: ['PRECONDITION_FAILED', 'the file does not meet the request’s conditions'],
  416: ['RANGE_NOT_SATISFIABLE', 'the range asked for is not in the file'],
};

/**
 * The one place errors become HTTP answers. Known errors keep their code and message; a dependency that
 * is down is a 503 the client may retry; anything else is a generic 500, logged with the request id.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // The client went away in the middle of its body: nobody to answer, and no outage to report.
    if (request.raw.readableAborted) {
      request.log.debug({ reason: error.message }, 'request cut short by the client');
      return sendError(reply, new AppError('BAD_REQUEST', 'the request was cut short'));
    }
    // No such route: whatever its body was, that is the answer.
    if (request.is404) return reply.status(404).send(notFound(request));
    const known = toAppError(error);
    if (known) {
      if (known instanceof UnavailableError) request.log.warn({ reason: error.message }, 'dependency unavailable');
      return sendError(reply, known);
    }
    request.log.error({ err: error }, 'unhandled error');
    reportError(error, { route: request.routeOptions.url ?? 'unmatched', reqId: request.id });
    return sendError(reply, new AppError('INTERNAL', 'Something went wrong; it has been logged.'));
  });
}

function toAppError(error: FastifyError): AppError | undefined {
  if (error instanceof AppError) return error;
  if (isTransientError(error)) return new UnavailableError('A service this request needs is unavailable; try again shortly.');
  const translated = fastifyErrors[error.code] ?? (error.statusCode !== undefined ? fileErrors[error.statusCode] : undefined);
  if (translated) return new AppError(...translated);
  // Other client errors fastify raises: bad JSON, forbidden keys such as __proto__.
  if (error.statusCode === 400) return new AppError(...INVALID_JSON);
  if (error.statusCode !== undefined && error.statusCode > 400 && error.statusCode < 500) return new AppError('BAD_REQUEST', 'the request is not valid');
  return undefined;
}

/**
 * Fastify's router refusing an address before any route sees it: a bad percent-encoding, a path
 * parameter over its length limit. Answered in the API's shape, as nginx answers its own refusals.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // No route, so no route's hooks: the request id is set here.
  void reply.header('x-request-id', request.id);
  void sendError(
    reply,
    error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new AppError('URI_TOO_LONG', 'the address is too long') : new AppError('BAD_REQUEST', 'the address is not valid'),
  );
}

/** The answer to an address no route serves. */
export function notFound(request: FastifyRequest): ErrorBody {
  return body('NOT_FOUND', `${request.method} ${request.url.split('?')[0]} does not exist`);
}

/**
 * What Node's HTTP parser refuses before Fastify has a request (a malformed request line or header,
 * headers over 16 kB, a request too slow to arrive): answered in the API's shape, with a new request
 * id, then the connection closes, as Node's own answer does. A connection the client reset needs no
 * answer.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'the request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request took too long to arrive']
        : [400, 'the request is malformed'];
  const text = JSON.stringify(body('BAD_REQUEST', message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nx-request-id: ${randomUUID()}\r\nconnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}

/** An AppError as the answer: its status, its Retry-After if it has one, and its code and message. */
export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.status(error.status).send(body(error.code, error.message));
}

export function body(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}
