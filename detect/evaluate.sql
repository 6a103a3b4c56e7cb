-- Judges every grant as of a day: flagged (stale, never_used, terminated) or not, and which rule or
-- guard excludes it from action.
-- Inputs: lapse_grants, lapse_people, lapse_last_use, lapse_sources (aggregate/load.sql);
--         lapse_system_rules(system, ttl_days, max_lag_days), lapse_permission_rules(system, permission,
--         ttl_days, emergency_only), lapse_protected(value) (detect/rules.ts).
-- Parameters: $as_of (DATE), $default_ttl (INTEGER), $default_lag (INTEGER).
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
graded AS (
  SELECT
    g.system, g.principal, g.permission, g.via, g.granted_at, g.first_seen, g.snapshot,
    r.person, p.email, p.team, p.status,
    coalesce(m.email, p.manager) AS manager,
    u.last_used,
    s.first_day, s.newest_day,
    coalesce(pr.ttl_days, sr.ttl_days, $default_ttl) AS ttl_days,
    coalesce(pr.ttl_days IS NOT NULL, false) AS permission_ttl,
    coalesce(pr.emergency_only, false) AS emergency_only,
    coalesce(sr.max_lag_days, $default_lag) AS max_lag_days,
    EXISTS (SELECT 1 FROM lapse_protected x WHERE x.value IN (lower(g.principal), lower(p.email), lower(p.id))) AS protected
  FROM lapse_grants g
  LEFT JOIN resolve r ON r.system = g.system AND r.native = lower(g.principal)
  LEFT JOIN lapse_people p ON p.id = r.person
  LEFT JOIN lapse_people m ON m.id = p.manager OR lower(m.email) = lower(p.manager)
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
    END AS kind
  FROM timed
)
SELECT *,
  'f_' || left(sha256(system || chr(31) || principal || chr(31) || permission), 16) AS finding_id,
  CASE
    WHEN kind IS NULL THEN NULL
    WHEN protected THEN 'protected_principal'
    WHEN kind = 'terminated' THEN NULL
    WHEN emergency_only THEN 'emergency_only'
    WHEN silent THEN 'source_freshness'
    WHEN kind = 'never_used' AND observed_days <= ttl_days THEN 'observation_window'
  END AS excluded_by
FROM judged;
