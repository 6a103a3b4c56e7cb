/**
 * SQL building blocks shared by connectors. `SETUP_SQL` defines macros once per DuckDB session.
 */

/**
 * `lapse_time(v)`: a timestamp from the forms logs use: ISO 8601 with or without a zone (no zone = UTC),
 * `2024-06-02 19:41:40.000000000`, or epoch numbers in s/ms/µs/ns (told apart by magnitude).
 * `lapse_plausible(t)`: times outside 2000–2100 are typos or placeholders, not uses.
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
  WHEN regexp_full_match(v, '-?[0-9]+(\\.[0-9]+)?') THEN lapse_epoch(v::DOUBLE)
  ELSE coalesce(
    try_cast(v AS TIMESTAMPTZ),
    try_cast(regexp_replace(v, '(\\.[0-9]{6})[0-9]+', '\\1') AS TIMESTAMPTZ)
  ) END;
CREATE OR REPLACE MACRO lapse_plausible(t) AS
  t >= TIMESTAMPTZ '2000-01-01' AND t < TIMESTAMPTZ '2100-01-01';
`;

/** Lines of JSONL files as JSON values; a line that is not JSON gives `rec = NULL` (blank lines are skipped). */
export function jsonLinesScan(files = '$files'): string {
  return `SELECT filename AS file, ordinality AS ord, json AS rec
FROM read_json_objects(${files}, format = 'newline_delimited', ignore_errors = true, filename = true,
                       maximum_object_size = 67108864) WITH ORDINALITY`;
}

/** A JSON path for a dotted field name: `actor.login` → `$."actor"."login"`. */
export function jsonPath(field: string): string {
  return `$.${field.split('.').map((p) => `"${p.replaceAll('"', '\\"')}"`).join('.')}`;
}
