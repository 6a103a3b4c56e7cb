-- Gives each finding its lifecycle against the previous run's findings file, which keeps every finding
-- ever resolved, so a finding that comes back is known as `reappeared` however long it was gone.
-- Inputs: lapse_eval (evaluate.sql), lapse_people, lapse_prev (the previous run's findings file, same columns as the
--         output), lapse_decisions(finding_id, decision) (the newest decision per finding), lapse_rules(id,
--         exempts, reason) (detect/rules/registry.ts).
-- Parameters: $as_of (DATE), $grace_days (INTEGER).
-- Output: lapse_findings: flagged grants (new | open | reappeared | exempted), findings gone since the
--         previous run (resolved today), and older resolved findings carried forward as history.
CREATE OR REPLACE TEMP TABLE lapse_findings AS
WITH managers AS (
  -- The manager column holds an id or an e-mail; two equi-joins (an OR join would compare every pair).
  SELECT p.id, p.email, coalesce(by_id.email, by_email.email, p.manager) AS manager
  FROM lapse_people p
  LEFT JOIN lapse_people by_id ON by_id.id = p.manager
  LEFT JOIN lapse_people by_email ON lower(by_email.email) = lower(p.manager)
),
cur AS (
  SELECT
    e.finding_id, e.kind, e.system, e.principal, e.person, m.email, e.team, m.manager, e.permission, e.via,
    e.last_used, e.days_unused, e.ttl_days, e.granted_at,
    CASE WHEN e.kind = 'cold_start_anomaly' THEN round(e.cold_score, 4) END AS score,
    CASE WHEN e.kind = 'cold_start_anomaly' THEN {
      'team_size': e.team_size::INTEGER, 'team_holders': e.team_holders::INTEGER,
      'team_users': e.team_users::INTEGER, 'org_holders': e.org_holders::INTEGER} END AS baseline,
    e.excluded_by,
    -- A rule that exempts gives its reason, or the covering exemption's own text (core/rules.ts).
    CASE WHEN r.exempts THEN coalesce(r.reason, e.exemption_text) END AS exempt_reason,
    d.decision,
    coalesce(r.exempts, false) AS exempted
  FROM lapse_eval e
  LEFT JOIN lapse_rules r ON r.id = e.excluded_by
  LEFT JOIN managers m ON m.id = e.person
  LEFT JOIN lapse_decisions d USING (finding_id)
  WHERE e.kind IS NOT NULL
),
staged AS (
  SELECT cur.* EXCLUDE (exempted),
    CASE
      WHEN cur.exempted THEN 'exempted'
      WHEN prev.finding_id IS NULL THEN 'new'
      WHEN prev.status = 'resolved' THEN 'reappeared'
      ELSE 'open'
    END AS status,
    -- Notice starts again when a finding comes back, or when its exemption ends.
    CASE WHEN prev.finding_id IS NULL OR prev.status IN ('resolved', 'exempted') THEN $as_of::DATE
         ELSE prev.first_flagged END AS first_flagged,
    NULL::DATE AS resolved_on
  FROM cur LEFT JOIN lapse_prev prev USING (finding_id)
)
SELECT * REPLACE (CASE WHEN status = 'exempted' THEN NULL ELSE revocable_from END AS revocable_from)
FROM (
  SELECT *,
    CASE kind
      WHEN 'terminated' THEN first_flagged
      WHEN 'cold_start_anomaly' THEN CASE WHEN decision = 'revoke' THEN first_flagged END
      ELSE first_flagged + $grace_days::INTEGER
    END AS revocable_from
  FROM staged
)
UNION ALL BY NAME
SELECT prev.* REPLACE ('resolved' AS status, $as_of::DATE AS resolved_on, NULL::VARCHAR AS excluded_by,
                       NULL::DATE AS revocable_from)
FROM lapse_prev prev
WHERE prev.status <> 'resolved' AND prev.finding_id NOT IN (SELECT finding_id FROM cur)
UNION ALL BY NAME
SELECT prev.*
FROM lapse_prev prev
WHERE prev.status = 'resolved' AND prev.finding_id NOT IN (SELECT finding_id FROM cur);
