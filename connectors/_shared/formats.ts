import type { EventsQuery } from './define.js';

/** Vendor formats `lapse_looks_like` (sql.ts) recognises, by the connector that reads them. */
const RECOGNISED = new Set(['aws_cloudtrail', 'gcp_audit', 'k8s_audit', 'okta_system_log', 'github_audit']);

/** Reasons that already say the record is unreadable: its format cannot be told. */
const UNREADABLE = ['malformed_json', 'not_an_object', 'empty_list', 'unreadable_file'];

/**
 * Names a record given to the wrong vendor connector for what it is: a dropped record whose text is
 * another recognised format (a GKE LogEntry in a Kubernetes audit file) is quarantined as
 * `wrong_format: looks like a GCP LogEntry: use connector gcp_audit` instead of a reason that would
 * misdescribe it (`missing_principal`). Only dropped records are looked at, so uses cost nothing.
 * Generic connectors (jsonl, csv) read any shape: their queries are returned unchanged.
 */
export function checkFormat(connectorId: string, query: EventsQuery): EventsQuery {
  if (!RECOGNISED.has(connectorId)) return query;
  return {
    ...query,
    sql: `SELECT * EXCLUDE (lapse_format) REPLACE (
        CASE WHEN lapse_format IS NOT NULL AND lapse_format <> $lapse_connector
             THEN 'wrong_format: looks like ' || lapse_format_name(lapse_format) || ': use connector ' || lapse_format
             ELSE drop_reason END AS drop_reason,
        quarantine OR coalesce(lapse_format <> $lapse_connector, false) AS quarantine)
      FROM (
        SELECT *, CASE WHEN drop_reason IS NOT NULL AND raw IS NOT NULL AND NOT list_contains($lapse_unreadable, split_part(drop_reason, ':', 1))
                       THEN lapse_looks_like(try_cast(raw AS JSON)) END AS lapse_format
        FROM (${query.sql})
      )`,
    params: { ...query.params, lapse_connector: connectorId, lapse_unreadable: UNREADABLE },
  };
}
