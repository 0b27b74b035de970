/**
 * Error reporting to Sentry (or anything speaking its protocol, such as GlitchTip) when SENTRY_DSN is
 * set. Sentry's default integrations report uncaught exceptions and unhandled rejections; the HTTP
 * error handler and the job runner report what they catch. Without a DSN every call here is a no-op.
 */
import * as Sentry from '@sentry/node';
import type { Config } from '../config.js';
import type { JobHandler, JobHandlers, JobName } from '../jobs/types.js';

/** The request headers a report may carry: what helps find the request, nothing that proves who sent it. */
const REPORTED_HEADERS = new Set(['host', 'user-agent', 'accept', 'content-type', 'content-length', 'x-request-id']);

export function startErrorReporting(config: Pick<Config, 'SENTRY_DSN' | 'SENTRY_ENVIRONMENT' | 'SENTRY_RELEASE' | 'NODE_ENV' | 'ROLE'>): boolean {
  if (!config.SENTRY_DSN) return false;
  Sentry.init({
    dsn: config.SENTRY_DSN,
    environment: config.SENTRY_ENVIRONMENT ?? config.NODE_ENV,
    release: config.SENTRY_RELEASE,
    initialScope: { tags: { role: config.ROLE } },
    // Sentry's own Fastify hook sees every error a route throws, validation errors included, before
    // their status is known; our error handler reports the ones that are bugs (the 500s) instead.
    integrations: (defaults) => defaults.filter((integration) => integration.name !== 'Fastify'),
    // Errors only: no tracing, and no request bodies, cookies or IP addresses.
    tracesSampleRate: 0,
    sendDefaultPii: false,
    // Even so Sentry keeps a request's headers, credentials and cookies among them: only these go.
    beforeSend: (event) => {
      if (event.request) {
        const headers = event.request.headers ?? {};
        event.request.headers = Object.fromEntries(Object.entries(headers).filter(([name]) => REPORTED_HEADERS.has(name.toLowerCase())));
        delete event.request.cookies;
      }
      return event;
    },
  });
  return true;
}

export function reportError(error: unknown, context?: Record<string, string | number>): void {
  Sentry.captureException(error, context && { extra: context });
}

/** Sends what is queued before the process exits. */
export async function flushErrorReports(timeoutMs = 2_000): Promise<void> {
  await Sentry.flush(timeoutMs);
}

/** The same handlers, each job's final failure reported once (not every retried attempt). */
export function reportingFinalFailures(handlers: JobHandlers): JobHandlers {
  const reporting: Partial<Record<JobName, JobHandler<JobName>>> = {};
  for (const [name, handler] of Object.entries(handlers) as Array<[JobName, JobHandler<JobName>]>) {
    reporting[name] = {
      handle: handler.handle.bind(handler),
      async onFailed(payload, error) {
        reportError(error, { job: name });
        await handler.onFailed?.(payload, error);
      },
    };
  }
  return reporting as JobHandlers;
}
