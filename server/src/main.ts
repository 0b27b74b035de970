/**
 * Starts one fibstack process in the role its configuration names, and stops it gracefully on SIGTERM
 * (an orchestrator's stop: the API drains first) or SIGINT (Ctrl-C at a terminal: no drain).
 */
import { ConfigError, loadConfig, misspelledSettings } from './config.js';
import { failureLine, isOperational } from './lib/failure.js';
import { createLogger } from './lib/logger.js';
import { flushErrorReports, reportError, startErrorReporting } from './observability/error-reporting.js';
import { startRuntime } from './runtime.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  for (const misspelt of misspelledSettings(process.env)) logger.warn(misspelt, misspelling(misspelt));
  if (startErrorReporting(config)) logger.info('error reporting on');
  const runtime = await startRuntime(config, logger);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    runtime.stop({ drain: signal !== 'SIGINT' }).then(
      async () => {
        await flushErrorReports();
        clearTimeout(deadline);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('unhandledRejection', (error) => logger.error({ err: error }, 'unhandled rejection'));
}

main().catch(async (error: unknown) => {
  // A setting, the data folder in use, a port taken, Postgres refusing: one line to act on. Anything
  // else is a fault of the program, reported with its stack.
  const line = isOperational(error) ? failureLine(error) : undefined;
  if (line !== undefined) {
    console.error(line);
    // A setting refused as unset may be one set under a misspelt name.
    if (error instanceof ConfigError) for (const misspelt of misspelledSettings(process.env)) console.error(misspelling(misspelt));
  } else {
    console.error('fibstack failed to start:', error);
    reportError(error);
    await flushErrorReports();
  }
  process.exit(1);
});

function misspelling({ variable, setting }: { variable: string; setting: string }): string {
  return `${variable} is not a setting; ${setting} is`;
}
