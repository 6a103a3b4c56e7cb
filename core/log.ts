import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys that may carry secrets anywhere in a log object; pino replaces their values. */
const REDACT = ['*.token', '*.password', '*.secret', '*.authorization', '*.apiToken', 'headers.authorization'];

/**
 * The log level: LAPSE_LOG_LEVEL if set; else `warn` when stderr is a terminal (a person reads the
 * summary on stdout, JSON lines between would be noise) and `info` otherwise (a scheduler keeps the logs).
 */
export function defaultLogLevel(env: NodeJS.ProcessEnv = process.env, terminal = process.stderr.isTTY === true): string {
  return env['LAPSE_LOG_LEVEL'] || (terminal ? 'warn' : 'info');
}

/** The one root logger: JSON lines on stderr, so stdout stays for humans and `--json` documents. */
export function createLogger(level = defaultLogLevel()): Logger {
  return pino(
    {
      level,
      base: { app: 'lapse' },
      redact: { paths: REDACT, censor: '[redacted]' },
      hooks: { streamWrite: redactSecrets },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/*
 * Redaction by value. A secret can reach a message under any key, or none: an upstream that echoes the
 * Authorization header in its error body puts the token (and the base64 of `email:token`) into an error
 * message. Every secret lapse is given is registered here, and every log line, error message and summary
 * lapse prints passes through redactSecrets.
 */

/** Shorter values are not treated as secrets: redacting them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 8;
const CENSOR = '[redacted]';
/** Each registered secret in every form it is written in (as is, base64 with and without padding, base64url, JSON-escaped), longest first. */
let forms: string[] = [];

/** Registers a secret value (a token, a password, a `user:password` pair) for redaction from everything printed. */
export function addSecret(value: string | undefined): void {
  if (value === undefined || value.length < MIN_SECRET_LENGTH) return;
  const base64 = Buffer.from(value).toString('base64');
  const more = [value, base64, base64.replace(/=+$/, ''), Buffer.from(value).toString('base64url'), JSON.stringify(value).slice(1, -1)];
  forms = [...new Set([...forms, ...more])].sort((a, b) => b.length - a.length);
}

/** Environment variables whose value is a secret by name (an API token, a password, an AWS secret key). */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|CREDENTIAL/i;

/** Registers every environment variable named like a secret; the config's own secrets are added where they are read. */
export function addSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(env)) {
    if (SECRET_NAME.test(name) && !/_(FILE|PATH|DIR|ENV|URL)$/i.test(name)) addSecret(value?.trim());
  }
}

/** `text` with every registered secret, in any of its forms, replaced by `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.replaceAll(form, CENSOR);
  return out;
}

/** Milliseconds since the last call (or since the timer was made): a stage's phases for a debug line. */
export function timer(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const ms = Math.round(now - last);
    last = now;
    return ms;
  };
}
