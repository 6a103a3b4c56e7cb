-- Gives each finding its lifecycle status against the previous run's findings.
-- Inputs: lapse_eval (evaluate.sql), lapse_prev (the previous run's findings, same columns as the output).
-- Output: lapse_findings: the flagged grants (new | open | reappeared | exempted) and the previous run's
--         active findings that are gone now (resolved: used again, revoked, or no longer flagged).
CREATE OR REPLACE TEMP TABLE lapse_findings AS
WITH cur AS (
  SELECT
    finding_id, kind, system, principal, person, email, team, manager, permission, via, last_used, days_unused,
    ttl_days, granted_at, NULL::DOUBLE AS score,
    NULL::STRUCT(team_size INTEGER, team_holders INTEGER, team_users INTEGER, org_holders INTEGER) AS baseline,
    excluded_by,
    CASE excluded_by
      WHEN 'emergency_only' THEN 'emergency-only (break-glass) permission'
      WHEN 'protected_principal' THEN 'protected principal'
    END AS exempt_reason
  FROM lapse_eval
  WHERE kind IS NOT NULL
)
SELECT cur.*,
  CASE
    WHEN cur.excluded_by IN ('emergency_only', 'protected_principal') THEN 'exempted'
    WHEN prev.finding_id IS NULL THEN 'new'
    WHEN prev.status = 'resolved' THEN 'reappeared'
    ELSE 'open'
  END AS status
FROM cur LEFT JOIN lapse_prev prev USING (finding_id)
UNION ALL BY NAME
SELECT prev.* REPLACE (NULL::VARCHAR AS excluded_by, 'resolved' AS status)
FROM lapse_prev prev
WHERE prev.status <> 'resolved' AND prev.finding_id NOT IN (SELECT finding_id FROM cur);
