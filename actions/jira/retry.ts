import { isApiError, isNetworkError, isRateLimitError } from 'jira.js';

/**
 * How a failed Jira request is judged: what to say about it, whether trying again can help, and
 * how long Jira asked us to wait. Built from the errors jira.js 6 throws (an ApiError per HTTP
 * status, a NetworkError when no response came back). Nothing here keeps the request itself: its
 * headers carry the API token.
 */
export interface Failure {
  /** HTTP status, or null when no response came back (network error, timeout). */
  status: number | null;
  /** A 429, a 5xx, or a network error: the same request may succeed later. */
  transient: boolean;
  /** The request certainly never reached Jira (connection refused, unknown host): safe to resend even a create. */
  notSent: boolean;
  /** Milliseconds Jira asked us to wait (Retry-After), if it did. */
  retryAfterMs: number | null;
  detail: string;
}

const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const NETWORK = new Set([...NOT_SENT, 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function classify(err: unknown): Failure {
  if (isApiError(err)) {
    const status = err.status;
    return {
      status,
      transient: status === 429 || status >= 500,
      notSent: false,
      retryAfterMs: isRateLimitError(err) ? (err.retryAfterMs ?? null) : null,
      detail: `HTTP ${status}${jiraMessages(err.body)}`,
    };
  }
  if (isNetworkError(err)) {
    const code = err.code ?? 'ERR_NETWORK';
    // The code and the cause's message only: jira.js' own message carries the full URL.
    const cause = err.cause instanceof Error ? err.cause.message : 'network error';
    return { status: null, transient: err.transient || NETWORK.has(code), notSent: NOT_SENT.has(code), retryAfterMs: null, detail: `${code}: ${cause}` };
  }
  return { status: null, transient: false, notSent: false, retryAfterMs: null, detail: err instanceof Error ? err.message : String(err) };
}

/** Jira's error body (`ErrorCollection`): its messages, shortened, for an error that says what Jira refused. */
function jiraMessages(body: unknown): string {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body.trim() ? `: ${clip(body.trim())}` : '';
  const b = body as { errorMessages?: unknown; errors?: unknown };
  const parts = Array.isArray(b.errorMessages) ? b.errorMessages.filter((m): m is string => typeof m === 'string') : [];
  if (b.errors && typeof b.errors === 'object') {
    for (const [k, v] of Object.entries(b.errors)) if (typeof v === 'string') parts.push(`${k}: ${v}`);
  }
  return parts.length ? `: ${clip(parts.join('; '))}` : '';
}

function clip(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** Exponential backoff with jitter: base · 2^attempt, scaled by a random factor in [0.5, 1]. */
export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  return Math.round(baseMs * 2 ** attempt * (0.5 + random() / 2));
}
