/**
 * SQL building blocks shared by connectors. `SETUP_SQL` defines macros once per DuckDB session.
 */

/**
 * `lapse_time(v)`: a timestamp from the forms logs use: ISO 8601 with or without a zone (no zone = UTC),
 * `2024-06-02 19:41:40.000000000`, or epoch numbers in s/ms/µs/ns (told apart by magnitude).
 * `lapse_plausible(t)`: times outside 2000–2100 are typos or placeholders, not uses.
 * `lapse_looks_like(j)`: the vendor connector whose format a JSON record recognisably is (NULL: none), and
 * `lapse_format_name(id)` what that format is called: see formats.ts.
 */
export const SETUP_SQL = `
CREATE OR REPLACE MACRO lapse_epoch(x) AS CASE
  WHEN abs(x) >= 1e20 THEN NULL
  WHEN abs(x) >= 1e17 THEN to_timestamp(x / 1e9)
  WHEN abs(x) >= 1e14 THEN to_timestamp(x / 1e6)
  WHEN abs(x) >= 1e11 THEN to_timestamp(x / 1e3)
  ELSE to_timestamp(x) END;
CREATE OR REPLACE MACRO lapse_time(v) AS CASE
  WHEN v IS NULL THEN NULL
  WHEN NOT contains(v, ':') AND regexp_full_match(v, '-?[0-9]+(\\.[0-9]+)?') THEN lapse_epoch(try_cast(v AS DOUBLE))
  ELSE coalesce(
    try_cast(v AS TIMESTAMPTZ),
    try_cast(regexp_replace(v, '(\\.[0-9]{6})[0-9]+', '\\1') AS TIMESTAMPTZ)
  ) END;
CREATE OR REPLACE MACRO lapse_plausible(t) AS
  t >= TIMESTAMPTZ '2000-01-01' AND t < TIMESTAMPTZ '2100-01-01';
CREATE OR REPLACE MACRO lapse_looks_like(j) AS CASE
  WHEN json_type(j) IS DISTINCT FROM 'OBJECT' THEN NULL
  WHEN json_type(j, '$.eventSource') = 'VARCHAR' AND json_type(j, '$.eventName') = 'VARCHAR'
    AND json_type(j, '$.userIdentity') = 'OBJECT' THEN 'aws_cloudtrail'
  WHEN json_type(j, '$.protoPayload') = 'OBJECT'
    OR (json_type(j, '$.logName') = 'VARCHAR' AND json_type(j, '$.resource.type') = 'VARCHAR') THEN 'gcp_audit'
  WHEN json_extract_string(j, '$.kind') = 'Event' AND starts_with(json_extract_string(j, '$.apiVersion'), 'audit.k8s.io/') THEN 'k8s_audit'
  WHEN json_type(j, '$.properties.log') = 'VARCHAR' AND json_extract_string(j, '$.category') IN ('kube-audit', 'kube-audit-admin') THEN 'k8s_audit'
  WHEN json_type(j, '$.eventType') = 'VARCHAR' AND json_type(j, '$.published') = 'VARCHAR' AND json_type(j, '$.actor') = 'OBJECT' THEN 'okta_system_log'
  WHEN json_type(j, '$.action') = 'VARCHAR' AND json_type(j, '$.actor') = 'VARCHAR'
    AND (json_type(j, '$."@timestamp"') IS NOT NULL OR json_type(j, '$.created_at') IS NOT NULL) THEN 'github_audit'
  END;
CREATE OR REPLACE MACRO lapse_format_name(f) AS CASE f
  WHEN 'aws_cloudtrail' THEN 'an AWS CloudTrail record'
  WHEN 'gcp_audit' THEN 'a GCP LogEntry'
  WHEN 'k8s_audit' THEN 'a Kubernetes audit event'
  WHEN 'okta_system_log' THEN 'an Okta System Log event'
  WHEN 'github_audit' THEN 'a GitHub audit log event' END;
`;

/**
 * Lines of JSONL files as JSON values; a line that is not JSON gives `rec = NULL` (blank lines are
 * skipped). A scan WITH ORDINALITY runs on one thread, so the files are dealt into one scan per thread
 * (`$files0`, `$files1`, … in `params`), which DuckDB runs side by side.
 */
export function jsonLinesScan(files: string[], threads: number, name = 'files'): { sql: string; params: Record<string, string[]> } {
  const lists = dealFiles(files, threads);
  const params = Object.fromEntries(lists.map((l, i) => [`${name}${i}`, l.map(literalPath)]));
  const sql = lists.length
    ? lists
        .map((_, i) => `SELECT filename AS file, ordinality AS ord, json AS rec
FROM read_json_objects($${name}${i}, format = 'newline_delimited', ignore_errors = true, filename = true,
                       maximum_object_size = 67108864) WITH ORDINALITY`)
        .join('\nUNION ALL\n')
    : 'SELECT NULL::VARCHAR AS file, NULL::BIGINT AS ord, NULL::JSON AS rec WHERE false';
  return { sql, params };
}

/**
 * A path DuckDB's readers take as that one file: they expand `*`, `?` and `[…]` in every path they are
 * given, lists too, so `star*.jsonl` would also read `starA.jsonl`. Each of those characters becomes a
 * one-character class (`[*]`); the reader's `filename` column still gives the real name.
 */
export function literalPath(path: string): string {
  return path.replace(/[*?[]/g, '[$&]');
}

/** Files dealt round-robin into at most `n` non-empty lists. */
export function dealFiles(files: string[], n: number): string[][] {
  const lists: string[][] = Array.from({ length: Math.max(0, Math.min(n, files.length)) }, () => []);
  files.forEach((f, i) => lists[i % lists.length]!.push(f));
  return lists;
}

/** A JSON path for a dotted field name: `actor.login` → `$."actor"."login"`. */
export function jsonPath(field: string): string {
  return `$.${field.split('.').map((p) => `"${p.replaceAll('"', '\\"')}"`).join('.')}`;
}
