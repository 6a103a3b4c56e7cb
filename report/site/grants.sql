-- Every grant a directory person holds as of the site's day, as detect judges it (all of them, flagged or
-- not), beside the run's finding of it.
-- Inputs: lapse_eval (detect/evaluate.sql: one row per grant), lapse_grants (each grant's display label),
--   report_findings (report/findings.sql).
-- Output: one row per grant of a resolved person: its evidence (last use, days unused, TTL), what would
--   hold it (emergency_only, protected, an exemption's text), the kind and exclusion, and the finding's
--   status, decision, first_flagged, revocable_from and score; by person, system, permission.
SELECT e.person, e.system, e.principal, e.permission, g.label, e.via, e.granted_at::VARCHAR AS granted_at,
  e.last_used::VARCHAR AS last_used, e.days_unused, e.ttl_days, e.emergency_only, e.protected, e.exemption_text,
  coalesce(f.kind, e.kind) AS kind, coalesce(f.excluded_by, e.excluded_by) AS excluded_by,
  f.status, f.decision, f.first_flagged::VARCHAR AS first_flagged, f.revocable_from::VARCHAR AS revocable_from,
  f.score, f.exempt_reason
FROM lapse_eval e
LEFT JOIN lapse_grants g ON g.system = e.system AND g.principal = e.principal AND g.permission = e.permission
LEFT JOIN report_findings f ON f.finding_id = e.finding_id AND f.status <> 'resolved'
WHERE e.person IS NOT NULL
ORDER BY e.person, e.system, e.permission, e.principal
