// The one pino logger. Components take a child (`{ conference }`, `{ site }`) from it.
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'giao-ban' },
    // Join tokens travel in URL fragments and handshake auth, never in logs.
    redact: { paths: ['req.headers.authorization', 'token', '*.token', 'auth.token'], censor: '[redacted]' },
  });
}
