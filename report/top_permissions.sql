-- The permissions most often held without use: flagged stale or never-used findings per (system, permission).
-- Inputs: report_findings (findings.sql), report_holders (data.ts: grants per permission in the run's snapshots);
--   $limit (INTEGER).
-- Output: system, permission, label (the permission's display name, if any), flagged, stale, never_used, held (excluded by a rule or guard), holders (grants
--   of it in the snapshot; NULL when the snapshot is not in the lake), median_days_unused, max_days_unused.
SELECT f.system, f.permission, min(f.label) AS label, count(*) AS flagged,
  count(*) FILTER (WHERE f.kind = 'stale') AS stale,
  count(*) FILTER (WHERE f.kind = 'never_used') AS never_used,
  count(*) FILTER (WHERE f.excluded_by IS NOT NULL) AS held,
  any_value(h.holders) AS holders,
  round(median(f.days_unused))::BIGINT AS median_days_unused,
  max(f.days_unused) AS max_days_unused
FROM report_findings f
LEFT JOIN report_holders h USING (system, permission)
WHERE f.status IN ('new', 'open', 'reappeared') AND f.kind IN ('stale', 'never_used')
GROUP BY f.system, f.permission
ORDER BY flagged DESC, max_days_unused DESC NULLS LAST, f.system, f.permission
LIMIT $limit
