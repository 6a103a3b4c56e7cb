import type { z } from 'zod';
import type { CheckContext, Permission } from '../../core/checks.js';
import type { Db, Params } from '../../core/db.js';
import type { SystemCheckInput } from './checks.js';

/**
 * The columns every connector's events query returns, one row per input record:
 *
 * | column      | type        | meaning                                                             |
 * |-------------|-------------|---------------------------------------------------------------------|
 * | file        | VARCHAR     | the input file the record came from (as given in `$files`)          |
 * | ord         | BIGINT      | record order; record number in its file = ord − min(ord in file) + 1 (NULL: unknown) |
 * | sub         | BIGINT      | 1-based index inside a record that holds several (CloudTrail `Records[]`), else NULL |
 * | time        | TIMESTAMPTZ | when the permission was used                                        |
 * | principal   | VARCHAR     | the system's own id of who used it                                  |
 * | permission  | VARCHAR     | the permission, named as in the system's grants snapshot            |
 * | action      | VARCHAR     | what was done (e.g. `s3:GetObject`), or NULL                        |
 * | resource    | VARCHAR     | on what, or NULL                                                    |
 * | event_id    | VARCHAR     | the source's event id, or NULL                                      |
 * | drop_reason | VARCHAR     | NULL for a use; otherwise a snake_case reason, optionally followed by `: detail` (counts use the reason) |
 * | quarantine  | BOOLEAN     | true when the record is malformed (kept for review), false if skipped |
 * | raw         | VARCHAR     | the record's text when the engine could read it, for the quarantine |
 */
export const EVENT_COLUMNS = [
  'file', 'ord', 'sub', 'time', 'principal', 'permission', 'action', 'resource', 'event_id', 'drop_reason', 'quarantine', 'raw',
] as const;

export interface EventsQuery {
  /** A SELECT returning EVENT_COLUMNS. */
  sql: string;
  /** Exactly the parameters `sql` uses (DuckDB refuses unused ones). */
  params?: Params;
  /** Drops whatever temp tables the connector staged for this query. */
  cleanup?: () => Promise<unknown>;
  /**
   * For a query that reads some files by a faster, stricter path: the text path over some files, run for
   * those the query marked with drop_reason RETRY_AS_TEXT, or for all of them when it fails (retry.ts).
   */
  text?: (files: string[]) => Promise<EventsQuery>;
}

/**
 * A relation `(file, ord, raw, bad, v)` with `v = [principal, permission, granted_at, via]` as text:
 * one row per grant record of the system's own export. `bad` names why a record is unreadable.
 */
export interface GrantsQuery extends EventsQuery {}

export interface ConnectorInput<O> {
  system: string;
  options: O;
  files: string[];
  /** For connectors that must stage input in temp tables first (e.g. CSV rejects). */
  db: Db;
}

/**
 * A connector knows one access-controlled system's log format and permission names.
 * Parsing is SQL run by DuckDB, so it is vectorised and parallel, never a per-line JS loop.
 */
export interface Connector<S extends z.ZodObject = z.ZodObject> {
  /** Persisted in config and docs: snake_case, named after the system. */
  readonly id: string;
  readonly title: string;
  /** Keys this connector adds to a system's config block (besides the common ones). */
  readonly options: S;
  events(input: ConnectorInput<z.infer<S>>): Promise<EventsQuery>;
  /**
   * Reads the system's own export of who holds what (`grants: { format: native }`), e.g. IAM Identity
   * Center account assignments. Without it, only the generic JSONL/CSV grants format is accepted.
   */
  grants?: {
    /** What export this reads, for docs and errors. */
    describe: string;
    query(input: ConnectorInput<z.infer<S>>): Promise<GrantsQuery>;
  };
  /** Reads back the text of records (1-based numbers) of `file` that the engine could not parse. */
  readRecords(file: string, recs: number[]): Promise<Map<number, string>>;
  /**
   * What `lapse doctor` checks for a system this connector reads (its grants snapshot and log sources:
   * `sourceChecks` in `_shared/checks.ts`, plus whatever the system itself needs), reported through `ctx.say`.
   */
  checks(input: SystemCheckInput, ctx: CheckContext): Promise<void>;
  /** What reading this system takes (`SOURCE_PERMISSIONS`, plus any vendor scope). */
  readonly permissions: readonly Permission[];
  /**
   * Grants whose use this system's logs cannot show (the Azure activity log has no reads): `via` is a
   * regular expression (RE2) a grant's whole `via` matches when every way it holds the grant is such; detect's
   * observation-window guard then holds its stale or never-used finding, and the guard entry says `why`.
   */
  readonly unobserved?: { via: string; why: string };
}

export function defineConnector<S extends z.ZodObject>(connector: Connector<S>): Connector<S> {
  return connector;
}
