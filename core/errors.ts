/** Exit codes are a public contract (the README's Exit codes and alerting): schedulers alert on them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, guard: 3 } as const;

export type ErrorCode = 'config' | 'usage' | 'source' | 'store' | 'action' | 'internal';

/** Base of every error lapse raises on purpose; `code` decides the exit code. */
export class LapseError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Invalid config or bad usage: refused before anything runs (exit 2). */
export class ConfigError extends LapseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', message, options);
  }
}

export class UsageError extends LapseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, options);
  }
}

/** An input (log, grants, directory) could not be read at all. Single bad records are quarantined instead. */
export class SourceError extends LapseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('source', message, options);
  }
}

export class StoreError extends LapseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store', message, options);
  }
}

export class ActionError extends LapseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('action', message, options);
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof LapseError && (err.code === 'config' || err.code === 'usage')) return EXIT.usage;
  return EXIT.failed;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
