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
SELECT system, principal, permission, r.rule, r.ttl_days, r.emergency_only, r.periodic, r.on_call, r.description
FROM (
  SELECT g.system, g.principal, g.permission, coalesce(wt.r, wn.r) AS r
  FROM (
    SELECT DISTINCT system, principal, permission FROM lapse_grants
    SEMI JOIN (SELECT DISTINCT system, permission FROM lapse_rule_winners) USING (system, permission)
  ) g
  LEFT JOIN lapse_resolve rs ON rs.system = g.system AND rs.native = lower(g.principal)
  LEFT JOIN lapse_people p ON p.id = rs.person
  LEFT JOIN lapse_rule_winners wt ON wt.system = g.system AND wt.permission = g.permission AND wt.team = p.team
  LEFT JOIN lapse_rule_winners wn ON wn.system = g.system AND wn.permission = g.permission AND wn.team IS NULL
)
WHERE r IS NOT NULL;

INSERT INTO lapse_exemptions BY NAME
SELECT x.* REPLACE (p.id AS person)
FROM lapse_exemptions x JOIN lapse_people p ON p.team = x.team
WHERE x.team IS NOT NULL AND x.person IS NULL;

DELETE FROM lapse_exemptions WHERE team IS NOT NULL AND person IS NULL;
