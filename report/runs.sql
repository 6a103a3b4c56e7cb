-- The stored runs as one table, a row per run: what detect wrote to runs/as_of=<day>/run.json.
-- Input: $files (VARCHAR[]): local paths of the run.json files to read (already limited to the report's as-of day).
-- Output: report_runs(as_of DATE, run_id, counts[], guards[], sources[]); a key a run does not have reads as [].
CREATE OR REPLACE TEMP TABLE report_runs AS
SELECT as_of, run_id, coalesce(counts, []) AS counts, coalesce(guards, []) AS guards, coalesce(sources, []) AS sources
FROM read_json($files, format = 'auto', columns = {
  as_of: 'DATE',
  run_id: 'VARCHAR',
  counts: 'STRUCT(system VARCHAR, kind VARCHAR, status VARCHAR, excluded_by VARCHAR, revocable BOOLEAN, n BIGINT)[]',
  guards: 'STRUCT(system VARCHAR, guard VARCHAR, held BIGINT, detail VARCHAR)[]',
  sources: 'STRUCT(system VARCHAR, first_day DATE, newest_day DATE, lag_days BIGINT, observed_days BIGINT, grants BIGINT, grants_snapshot DATE, unresolved_count BIGINT, revoked BIGINT, restored_after_revocation BIGINT)[]'
});
