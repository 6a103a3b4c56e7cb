-- The flagged grants unused the longest: who holds them, and why they are (or are not) acted on.
-- Inputs: report_findings (findings.sql); $limit (INTEGER).
-- Output: one row per finding, longest unused first.
SELECT system, principal, person, team, permission, label, kind, status, excluded_by,
  last_used::VARCHAR AS last_used, granted_at::VARCHAR AS granted_at, days_unused, ttl_days
FROM report_findings
WHERE status IN ('new', 'open', 'reappeared') AND kind IN ('stale', 'never_used', 'terminated')
ORDER BY days_unused DESC NULLS LAST, system, principal, permission
LIMIT $limit
