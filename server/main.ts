// The entry point: parse config once, start the service, and stop cleanly on SIGTERM/SIGINT.
import { ConfigError, loadConfig, publicUrlWarning } from '../config/schema.js';
import { AppError } from '../kernel/errors.js';
import { createLogger } from '../kernel/logger.js';
import { startService } from './service.js';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`giao-ban: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const logger = createLogger(config.LOG_LEVEL);
const warning = publicUrlWarning(config);
if (warning) logger.warn(warning);

try {
  const service = await startService({ config, logger });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // A node of a cluster first moves its sites to the other nodes (at most 5 s).
    const drainMs = service.cluster ? 5000 : 0;
    // A hung close must not keep the process alive past the grace period.
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + drainMs);
    force.unref();
    service
      .drain(drainMs)
      .then(() => service.close())
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Every handler answers its own failures; a rejection that escapes one anyway is a bug to
  // fix, not a reason to drop 64 sites: count it, log it in full, and go on.
  process.on('unhandledRejection', (reason) => {
    service.metrics.unhandled.inc();
    logger.error({ err: reason }, 'unhandled promise rejection');
  });
} catch (err) {
  const message = err instanceof ConfigError || err instanceof AppError ? err.message : String(err);
  logger.fatal({ err }, 'start-up failed');
  process.stderr.write(`giao-ban: start-up failed: ${message}\n`);
  process.exit(1);
}
