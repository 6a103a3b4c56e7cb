-- Replays the stored history under candidate TTLs: how many grants each would have revoked, and how many
-- of those revocations a later use proves wrong (the regret). One pass over the history; the model is
-- in docs/ttl.md. A TTL of T revokes after more than T days without use (as evaluate.sql judges).
-- Inputs: lapse_gaps, lapse_subjects, lapse_subject_ids, lapse_permission_ids (detect/gaps.sql);
--         lapse_grants, lapse_people, lapse_sources (aggregate/load.sql); lapse_system_rules,
--         lapse_protected (detect/rules/config.ts); lapse_rule_winners (detect/rules/match.sql, over
--         lapse_permission_ids): a subject's rule is its team's (a team-scoped one first), else the unscoped one;
--         lapse_backtest_ttls(scenario INTEGER, ttl INTEGER) (detect/backtest.ts): ttl NULL = each
--         grant's configured TTL (permission rule, else system, else $default_ttl).
-- Parameters: $default_ttl (INTEGER).
-- Output: one row per (scenario, system) and per scenario over all systems (system NULL).
WITH
used AS (
  SELECT pid, sid, min(day) AS first_use, max(day) AS last_use, max(gap) AS max_gap
  FROM lapse_gaps
  GROUP BY ALL
),
-- Held grants start at granted_at, else the first snapshot that showed them, never before the logs began.
held AS (
  SELECT p.pid, s.sid,
         min(greatest(coalesce(g.granted_at, g.first_seen), src.first_day)) AS start,
         bool_or(lower(g.principal) IN (SELECT value FROM lapse_protected)) AS protected_principal
  FROM lapse_grants g
  JOIN lapse_subjects s ON s.system = g.system AND s.principal = g.principal
  JOIN lapse_permission_ids p ON p.system = g.system AND p.permission = g.permission
  JOIN lapse_sources src ON src.system = g.system
  GROUP BY ALL
),
pairs AS (
  SELECT pid, sid, u.first_use, u.last_use, u.max_gap, h.start,
         h.sid IS NOT NULL AS held,
         coalesce(h.protected_principal, false) AS protected_principal
  FROM used u FULL JOIN held h USING (pid, sid)
),
-- Emergency-only permissions and protected principals are never revoked, whatever the TTL.
judged AS (
  SELECT p.*, pi.system, src.newest_day AS end_day,
         coalesce(coalesce(wt.r, wn.r).ttl_days, sr.ttl_days, $default_ttl) AS configured_ttl,
         coalesce(coalesce(wt.r, wn.r).emergency_only, false) OR p.protected_principal
           OR si.subject IN (SELECT 'principal:' || value FROM lapse_protected)
           OR coalesce(lower(pe.id) IN (SELECT value FROM lapse_protected), false)
           OR coalesce(lower(pe.email) IN (SELECT value FROM lapse_protected), false) AS excluded
  FROM pairs p
  JOIN lapse_permission_ids pi USING (pid)
  JOIN lapse_subject_ids si USING (sid)
  JOIN lapse_sources src ON src.system = pi.system
  LEFT JOIN lapse_people pe ON pe.id = si.subject
  LEFT JOIN lapse_system_rules sr ON sr.system = pi.system
  LEFT JOIN lapse_rule_winners wt ON wt.system = pi.system AND wt.permission = pi.permission
    AND wt.team = CASE WHEN si.grp LIKE 'team:%' THEN substr(si.grp, 6) END
  LEFT JOIN lapse_rule_winners wn ON wn.system = pi.system AND wn.permission = pi.permission AND wn.team IS NULL
),
-- Gap lengths per permission and subject group (a team's rule may differ): each gap longer than the
-- TTL is one revocation, then a use.
hist AS (
  SELECT g.pid, i.grp, g.gap, count(*) AS n
  FROM lapse_gaps g
  JOIN lapse_subject_ids i USING (sid)
  SEMI JOIN (SELECT pid, sid FROM judged WHERE NOT excluded) k USING (pid, sid)
  WHERE g.gap > 0
  GROUP BY ALL
),
gap_regrets AS (
  SELECT t.scenario, p.system,
         sum(h.n) FILTER (WHERE h.gap > coalesce(t.ttl, coalesce(wt.r, wn.r).ttl_days, sr.ttl_days, $default_ttl)) AS regrets
  FROM hist h
  JOIN lapse_permission_ids p USING (pid)
  CROSS JOIN lapse_backtest_ttls t
  LEFT JOIN lapse_system_rules sr ON sr.system = p.system
  LEFT JOIN lapse_rule_winners wt ON wt.system = p.system AND wt.permission = p.permission
    AND wt.team = CASE WHEN h.grp LIKE 'team:%' THEN substr(h.grp, 6) END
  LEFT JOIN lapse_rule_winners wn ON wn.system = p.system AND wn.permission = p.permission AND wn.team IS NULL
  GROUP BY ALL
),
replayed AS (
  SELECT scenario, system, held, excluded,
         coalesce(max_gap > ttl, false) AS gap_regret,
         -- Never used in its first T days: revoked as never used, then used.
         coalesce(first_use IS NOT NULL AND date_diff('day', start, first_use) > ttl, false) AS initial_regret,
         coalesce(first_use IS NULL AND date_diff('day', start, end_day) > ttl, false) AS never_used,
         coalesce(date_diff('day', last_use, end_day) > ttl, false) AS unused_since
  FROM (SELECT j.*, t.scenario, coalesce(t.ttl, j.configured_ttl) AS ttl FROM judged j CROSS JOIN lapse_backtest_ttls t)
),
per_system AS (
  SELECT r.scenario, r.system,
         count(*) FILTER (WHERE NOT excluded) AS grants,
         count(*) FILTER (WHERE excluded) AS excluded,
         count(*) FILTER (WHERE NOT excluded AND initial_regret) AS initial_regrets,
         count(*) FILTER (WHERE NOT excluded AND (never_used OR unused_since)) AS not_used_again,
         count(*) FILTER (WHERE NOT excluded AND (gap_regret OR initial_regret OR never_used OR unused_since)) AS grants_affected,
         count(*) FILTER (WHERE NOT excluded AND (gap_regret OR initial_regret)) AS grants_regretted,
         count(*) FILTER (WHERE NOT excluded AND held AND (never_used OR unused_since)) AS flagged_now
  FROM replayed r
  GROUP BY ALL
)
SELECT p.scenario, p.system,
       sum(p.grants) AS grants, sum(p.excluded) AS excluded,
       sum(p.initial_regrets + p.not_used_again + coalesce(g.regrets, 0)) AS revocations,
       sum(p.initial_regrets + coalesce(g.regrets, 0)) AS regrets,
       sum(p.not_used_again) AS not_used_again,
       sum(p.grants_affected) AS grants_affected,
       sum(p.grants_regretted) AS grants_regretted,
       sum(p.flagged_now) AS flagged_now
FROM per_system p
LEFT JOIN gap_regrets g USING (scenario, system)
GROUP BY GROUPING SETS ((p.scenario, p.system), (p.scenario))
ORDER BY p.scenario, p.system NULLS LAST
