-- Judges every grant as of a day: flagged (stale, never_used, terminated, cold_start_anomaly) or not,
-- and which rule or guard excludes it from action.
-- Inputs: lapse_grants, lapse_people, lapse_last_use, lapse_sources (aggregate/load.sql);
--         lapse_system_rules(system, ttl_days, max_lag_days), lapse_permission_rules(system, permission,
--         ttl_days, emergency_only, periodic), lapse_protected(value), lapse_exemptions(exemption_id, system,
--         permission, principal, person, owner, reason, until) — the ones active on the as-of day —
--         (detect/rules.ts).
-- Parameters: $as_of (DATE), $default_ttl, $default_lag, $min_team_size (INTEGER), $anomaly_threshold (DOUBLE).
-- Output: lapse_eval, one row per grant.
CREATE OR REPLACE TEMP TABLE lapse_eval AS
WITH
-- (system, lower-case native id) → person: aliases first, then the email.
identity AS (
  SELECT DISTINCT a.system, lower(a.id) AS native, p.id AS person, 1 AS rank
  FROM lapse_people p, unnest(p.aliases) AS t(a)
  UNION ALL
  SELECT DISTINCT s.system, lower(p.email), p.id, 2
  FROM lapse_people p CROSS JOIN (SELECT DISTINCT system FROM lapse_grants) s
),
resolve AS (
  SELECT system, native, arg_min(person, rank) AS person FROM identity GROUP BY ALL
),
-- Uses per (system, person or unresolved principal, permission): one human may use several native ids.
use_by_subject AS (
  SELECT u.system, coalesce(r.person, 'principal:' || lower(u.principal)) AS subject, u.permission,
         max(u.last_used) AS last_used
  FROM lapse_last_use u LEFT JOIN resolve r ON r.system = u.system AND r.native = lower(u.principal)
  GROUP BY ALL
),
managers AS (
  SELECT p.id, coalesce(m.email, p.manager) AS manager
  FROM lapse_people p
  LEFT JOIN lapse_people m ON m.id = p.manager OR lower(m.email) = lower(p.manager)
),
graded AS (
  SELECT
    g.system, g.principal, g.permission, g.via, g.granted_at, g.first_seen, g.snapshot,
    r.person, p.email, p.team, p.status, mg.manager,
    u.last_used,
    s.first_day, s.newest_day,
    coalesce(pr.ttl_days, sr.ttl_days, $default_ttl) AS ttl_days,
    coalesce(pr.ttl_days IS NOT NULL, false) AS permission_ttl,
    coalesce(pr.emergency_only, false) AS emergency_only,
    coalesce(pr.periodic, false) AS periodic,
    coalesce(sr.max_lag_days, $default_lag) AS max_lag_days,
    lower(g.principal) IN (SELECT value FROM lapse_protected)
      OR lower(p.email) IN (SELECT value FROM lapse_protected)
      OR lower(p.id) IN (SELECT value FROM lapse_protected) AS protected
  FROM lapse_grants g
  LEFT JOIN resolve r ON r.system = g.system AND r.native = lower(g.principal)
  LEFT JOIN lapse_people p ON p.id = r.person
  LEFT JOIN managers mg ON mg.id = p.id
  LEFT JOIN use_by_subject u ON u.system = g.system AND u.permission = g.permission
    AND u.subject = coalesce(r.person, 'principal:' || lower(g.principal))
  LEFT JOIN lapse_sources s ON s.system = g.system
  LEFT JOIN lapse_system_rules sr ON sr.system = g.system
  LEFT JOIN lapse_permission_rules pr ON pr.system = g.system AND pr.permission = g.permission
),
timed AS (
  SELECT *,
    -- Unused since the last use; a never-used grant since it was granted, but never before the
    -- logs began: lapse cannot claim non-use it did not observe.
    CASE WHEN last_used IS NOT NULL THEN last_used
         ELSE greatest(coalesce(granted_at, first_day), first_day) END AS unused_since,
    newest_day IS NULL OR date_diff('day', newest_day, $as_of) > max_lag_days AS silent,
    coalesce(date_diff('day', first_day, $as_of), 0) AS observed_days
  FROM graded
),
judged AS (
  SELECT *,
    date_diff('day', unused_since, $as_of) AS days_unused,
    CASE
      WHEN status = 'terminated' THEN 'terminated'
      WHEN last_used IS NOT NULL AND date_diff('day', last_used, $as_of) > ttl_days THEN 'stale'
      WHEN last_used IS NULL AND date_diff('day', unused_since, $as_of) > ttl_days THEN 'never_used'
      -- Held back by the observation window: old enough to judge, but the logs are too short.
      WHEN last_used IS NULL AND observed_days <= ttl_days
           AND (granted_at IS NULL OR date_diff('day', granted_at, $as_of) > ttl_days) THEN 'never_used'
    END AS ttl_kind
  FROM timed
),
-- Cold start: who else holds and uses each permission, per team and company-wide (people only).
holders AS (
  SELECT DISTINCT system, permission, person, team, last_used >= $as_of::DATE - ttl_days AS recent
  FROM judged WHERE person IS NOT NULL AND status = 'active'
),
team_stats AS (
  SELECT system, permission, team, count(DISTINCT person) AS holders,
         count(DISTINCT person) FILTER (WHERE recent) AS users
  FROM holders GROUP BY ALL
),
org_stats AS (SELECT system, permission, count(DISTINCT person) AS holders FROM holders GROUP BY ALL),
team_sizes AS (SELECT team, count(*) AS size FROM lapse_people WHERE status = 'active' GROUP BY team),
org_size AS (SELECT count(*) AS size FROM lapse_people WHERE status = 'active'),
scored AS (
  SELECT j.*,
    coalesce(ts.size, 0) AS team_size, coalesce(t.holders, 0) AS team_holders, coalesce(t.users, 0) AS team_users,
    coalesce(o.holders, 0) AS org_holders,
    -- The smoothed share of the rest of the team holding the permission: the team's count plus
    -- min_team_size pseudo-people at the company rate (the person's own grant left out everywhere).
    (greatest(coalesce(t.holders, 0) - 1, 0)
       + $min_team_size * greatest(coalesce(o.holders, 0) - CASE WHEN j.person IS NULL THEN 0 ELSE 1 END, 0)
         / greatest(os.size - 1, 1))
      / (greatest(coalesce(ts.size, 0) - 1, 0) + $min_team_size) AS share
  FROM judged j
  CROSS JOIN org_size os
  LEFT JOIN team_sizes ts ON ts.team = j.team
  LEFT JOIN team_stats t ON t.system = j.system AND t.permission = j.permission AND t.team = j.team
  LEFT JOIN org_stats o ON o.system = j.system AND o.permission = j.permission
),
kinds AS (
  SELECT *,
    -- Too new to judge by TTL (never used, younger than its TTL, or its system observed for less):
    -- judged by how unusual the grant is instead.
    ttl_kind IS NULL AND last_used IS NULL AND status IS DISTINCT FROM 'terminated' AS cold_start,
    1 - share AS score
  FROM scored
)
SELECT k.* EXCLUDE (ttl_kind),
  coalesce(ttl_kind, CASE WHEN cold_start AND score >= $anomaly_threshold THEN 'cold_start_anomaly' END) AS kind,
  CASE WHEN cold_start OR ttl_kind IS NULL THEN score END AS cold_score,
  'f_' || left(sha256(k.system || chr(31) || k.principal || chr(31) || k.permission), 16) AS finding_id,
  x.exemption_id,
  CASE WHEN x.exemption_id IS NOT NULL
       THEN x.reason || ' (exemption ' || x.exemption_id || ', owner ' || x.owner || ', until ' || x.until || ')' END
    AS exemption_text
FROM kinds k
LEFT JOIN (
  SELECT e.*, g.system AS g_system, g.principal AS g_principal, g.permission AS g_permission,
         row_number() OVER (PARTITION BY g.system, g.principal, g.permission ORDER BY e.until DESC, e.exemption_id) AS n
  FROM lapse_exemptions e
  JOIN (SELECT DISTINCT system, principal, permission, person FROM kinds) g
    ON g.system = e.system AND (e.permission = '*' OR e.permission = g.permission)
   AND (lower(e.principal) = lower(g.principal) OR e.person = g.person)
) x ON x.g_system = k.system AND x.g_principal = k.principal AND x.g_permission = k.permission AND x.n = 1;

-- Which rule or guard keeps each flagged grant from action (rules first, then guards).
ALTER TABLE lapse_eval ADD COLUMN excluded_by VARCHAR;
UPDATE lapse_eval SET excluded_by = CASE
    WHEN kind IS NULL THEN NULL
    WHEN protected THEN 'protected_principal'
    -- A person who left loses everything not protected, whatever was exempted for them.
    WHEN kind = 'terminated' THEN NULL
    WHEN exemption_id IS NOT NULL THEN 'exemption'
    WHEN emergency_only THEN 'emergency_only'
    WHEN silent THEN 'source_freshness'
    WHEN kind = 'never_used' AND observed_days <= ttl_days THEN 'observation_window'
  END;
