import { setTimeout as sleep } from 'node:timers/promises';
import { SourceError } from '../../core/errors.js';

/**
 * What a connector that reads its vendor's API directly (okta:, github: sources) hands to ingest: the
 * log as pages, oldest first, and the grants as records in the connector's own native grants format.
 * ingest/sources/api.ts keeps the pages in the lake's raw area, checkpoints and deduplicates them.
 */
export type ApiRecord = Record<string, unknown>;

export interface EventPage {
  events: ApiRecord[];
  /** The page's cursor (the URL of the next page), kept in the checkpoint for audit. */
  cursor: string | null;
}

export interface LogApi {
  /** Which API this is, for the raw area's keys and the logs: `okta`, `github`. */
  readonly name: string;
  /** The log from `since` on, oldest first, page by page, until the cursor stops advancing. */
  pages(since: Date): AsyncGenerator<EventPage>;
  /** The vendor's event id (Okta `uuid`, GitHub `_document_id`), which deduplicates the overlap. */
  eventId(event: ApiRecord): string | null;
  /** When the event happened, epoch milliseconds. */
  eventTime(event: ApiRecord): number | null;
}

export interface GrantsApi {
  readonly name: string;
  /** Every grant, as records the connector's native grants reader reads. */
  grants(): Promise<ApiRecord[]>;
}

/** A secret from the environment variable a config field names; a missing one names the field. */
export function secretFrom(env: string, field: string): string {
  const value = process.env[env];
  if (!value) throw new SourceError(`${field}: environment variable ${env} is not set`);
  return value;
}

/**
 * Keeps a client under the vendor's rate limit: after each response it notes how many calls remain in
 * the window and when the window resets, and once fewer than a tenth remain it waits for the reset
 * before the next call, so the limit is not hit at all (a 429 is still retried by the client).
 */
export class Pacer {
  private remaining = Infinity;
  private resetAt = 0;
  /** Total time spent waiting, for the logs and tests. */
  waitedMs = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Notes the rate-limit headers of a response (limit, remaining, reset in epoch seconds). */
  observe(limit: string | null | undefined, remaining: string | null | undefined, reset: string | null | undefined): void {
    const l = Number(limit);
    const r = Number(remaining);
    const t = Number(reset);
    if (!Number.isFinite(r) || !Number.isFinite(t) || remaining == null || reset == null) return;
    this.remaining = r - Math.max(1, Math.ceil((Number.isFinite(l) ? l : r) / 10));
    this.resetAt = t * 1000;
  }

  /** Waits for the window's reset when the calls left are within the reserve. */
  async ready(): Promise<void> {
    if (this.remaining > 0) {
      this.remaining -= 1;
      return;
    }
    const wait = Math.min(this.resetAt - this.now() + 250, 120_000);
    this.remaining = Infinity;
    if (wait <= 0) return;
    this.waitedMs += wait;
    await sleep(wait);
  }
}

/** Exponential backoff for a 5xx or a network error: 0.5 s, 1 s, 2 s, … at most 30 s. */
export const backoffMs = (attempt: number) => Math.min(500 * 2 ** (attempt - 1), 30_000);

/** The URL of `rel="next"` in a Link header, if any. */
export function nextLink(link: string | null | undefined): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;(?:[^;]*;)*\s*rel="?next"?/.exec(part);
    if (m) return m[1]!;
  }
  return null;
}
