-- The permission rule of each grant, and team-scoped exemptions turned into their members: what
-- evaluate.sql joins per grant, once identities are resolved (a holder's team decides scoped rules).
-- Inputs: lapse_grants, lapse_people (aggregate/load.sql); lapse_resolve (detect/resolve.sql);
--         lapse_rule_winners (detect/rules/match.sql, over lapse_grants' permissions); lapse_exemptions
--         (detect/rules/config.ts, with its team column).
-- Output: lapse_grant_rules(system, principal, permission, rule, ttl_days, emergency_only, periodic,
--         on_call, description): one row per grant some rule matches, `rule` the winning rule's key.
--         lapse_exemptions: a team exemption becomes one row per member of the team in the directory
--         (person set, team kept), so evaluate.sql matches it by person.
CREATE OR REPLACE TEMP TABLE lapse_grant_rules AS
WITH unscoped AS (SELECT system, permission, r FROM lapse_rule_winners WHERE team IS NULL),
scoped AS (SELECT system, permission, team, r FROM lapse_rule_winners WHERE team IS NOT NULL),
by_team AS (SELECT DISTINCT system, permission FROM scoped),
matched AS (
  -- No team-scoped rule matches the permission: the permission alone decides (no identity join).
  SELECT g.system, g.principal, g.permission, u.r
  FROM lapse_grants g JOIN unscoped u USING (system, permission)
  ANTI JOIN by_team USING (system, permission)
  UNION ALL
  -- One does: the holder's team decides (its team's winner, else the unscoped one).
  SELECT g.system, g.principal, g.permission, coalesce(wt.r, wn.r)
  FROM (SELECT * FROM lapse_grants SEMI JOIN by_team USING (system, permission)) g
  LEFT JOIN lapse_resolve rs ON rs.system = g.system AND rs.native = lower(g.principal)
  LEFT JOIN lapse_people p ON p.id = rs.person
  LEFT JOIN scoped wt ON wt.system = g.system AND wt.permission = g.permission AND wt.team = p.team
  LEFT JOIN unscoped wn ON wn.system = g.system AND wn.permission = g.permission
)
-- lapse_grants holds one row per (system, principal, permission): ingest folds duplicates.
SELECT system, principal, permission, r.rule, r.ttl_days, r.emergency_only, r.periodic, r.on_call, r.description
FROM matched
WHERE r IS NOT NULL;

INSERT INTO lapse_exemptions BY NAME
SELECT x.* REPLACE (p.id AS person)
FROM lapse_exemptions x JOIN lapse_people p ON p.team = x.team
WHERE x.team IS NOT NULL AND x.person IS NULL;

DELETE FROM lapse_exemptions WHERE team IS NOT NULL AND person IS NULL;
