/**
 * The errors the service means to send. Each has a stable code clients can rely on; the HTTP layer
 * translates them in one place (api/errors.ts). Anything else is a bug and becomes a generic 500.
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'URI_TOO_LONG'
  | 'INVALID_BODY'
  | 'INDEX_REQUIRED'
  | 'INDEX_NOT_INTEGER'
  | 'INDEX_NEGATIVE'
  | 'INDEX_TOO_LARGE'
  | 'INVALID_QUERY'
  | 'UNAUTHORIZED'
  | 'CROSS_SITE_REQUEST'
  | 'BACKUP_INVALID'
  | 'CONFLICT'
  | 'REQUEST_ID_REUSED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_READY'
  | 'NO_EXACT_VALUE'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RANGE_NOT_SATISFIABLE'
  | 'RATE_LIMITED'
  | 'TOO_MANY_PENDING'
  | 'QUOTA_EXCEEDED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL';

const statusByCode: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  URI_TOO_LONG: 414,
  INVALID_BODY: 400,
  INDEX_REQUIRED: 400,
  INDEX_NOT_INTEGER: 400,
  INDEX_NEGATIVE: 400,
  INDEX_TOO_LARGE: 400,
  INVALID_QUERY: 400,
  UNAUTHORIZED: 401,
  CROSS_SITE_REQUEST: 403,
  BACKUP_INVALID: 422,
  CONFLICT: 409,
  REQUEST_ID_REUSED: 409,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_READY: 409,
  NO_EXACT_VALUE: 404,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  RATE_LIMITED: 429,
  TOO_MANY_PENDING: 429,
  QUOTA_EXCEEDED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Sent as Retry-After: when trying again makes sense. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = statusByCode[code];
  }

  /** The status under the name Fastify and its plugins read (the queue dashboard's error handler does). */
  get statusCode(): number {
    return this.status;
  }
}

/** A dependency (Postgres, Redis) did not answer: the client should try again shortly. */
export class UnavailableError extends AppError {
  constructor(message: string) {
    super('SERVICE_UNAVAILABLE', message, 5);
  }
}

/**
 * Whether an error means Postgres or Redis is not answering (to be retried later), as opposed to a bug or
 * bad input. An AppError is the service's own answer, decided already (an UnavailableError included).
 */
export function isTransientError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof AppError) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
    // Postgres: connection exceptions (class 08), and the server shutting down or starting (57P01–57P03).
    if (/^08...$/.test(code) || /^57P0[123]$/.test(code)) return true;
  }
  return /Connection terminated|connection timeout|not queryable|timeout exceeded when trying to connect|Connection is closed|Stream isn't writeable|enableOfflineQueue|Reached the max retries/i.test(
    error.message,
  );
}
