import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys that may carry secrets anywhere in a log object; pino replaces their values. */
const REDACT = ['*.token', '*.password', '*.secret', '*.authorization', '*.apiToken', 'headers.authorization'];

/** The one root logger: JSON lines on stderr, so stdout stays for humans and `--json` documents. */
export function createLogger(level = process.env['LAPSE_LOG_LEVEL'] ?? 'info'): Logger {
  return pino(
    { level, base: { app: 'lapse' }, redact: { paths: REDACT, censor: '[redacted]' } },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
