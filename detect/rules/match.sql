-- Which configured permission rule governs a permission, per holder team: the config's rules (exact names
-- or DuckDB GLOB patterns, optionally limited to teams) matched against the permissions a reader judges.
-- The most specific match wins: an exact name over a glob; then a team-scoped rule over an unscoped one;
-- then the glob with the most literal (non-wildcard) characters; then the rule listed first.
-- Inputs: lapse_permission_rules(system, rule, position, is_glob, literals, scoped, ttl_days,
--         emergency_only, periodic, on_call, description), lapse_permission_rule_teams(system, rule, team)
--         (detect/rules/config.ts); lapse_rule_permissions(system, permission): the permissions to match
--         (a view made by detect/rules/match.ts over the reader's relation).
-- Output: lapse_rule_winners(system, permission, team, r): r the winning rule as a struct (rule, ttl_days,
--         emergency_only, periodic, on_call, description). team NULL: the winner for any holder whose team
--         no scoped rule of this permission names (unresolved principals included); a team: the winner
--         for its members, weighing the unscoped rules and that team's scoped ones. A permission no rule
--         matches has no row. Readers join the team row, else the NULL row (`coalesce(wt.r, wn.r)`).
-- Permissions are matched once each (not once per grant): few rules times the distinct permissions.
CREATE OR REPLACE TEMP TABLE lapse_rule_matches AS
SELECT p.system, p.permission, r.rule, r.position, r.scoped, r.literals, r.rule = p.permission AS exact
FROM (SELECT DISTINCT system, permission FROM lapse_rule_permissions) p
JOIN lapse_permission_rules r
  ON r.system = p.system AND (r.rule = p.permission OR (r.is_glob AND p.permission GLOB r.rule));

CREATE OR REPLACE TEMP TABLE lapse_rule_winners AS
WITH scoped AS (
  SELECT m.*, t.team FROM lapse_rule_matches m JOIN lapse_permission_rule_teams t USING (system, rule)
),
teams AS (SELECT DISTINCT system, permission, team FROM scoped),
options AS (
  SELECT m.*, NULL::VARCHAR AS team FROM lapse_rule_matches m WHERE NOT m.scoped
  UNION ALL
  SELECT m.*, t.team FROM lapse_rule_matches m JOIN teams t USING (system, permission) WHERE NOT m.scoped
  UNION ALL
  SELECT * FROM scoped
),
ranked AS (
  SELECT system, permission, team, rule FROM options
  QUALIFY row_number() OVER (PARTITION BY system, permission, team ORDER BY exact DESC, scoped DESC, literals DESC, position) = 1
)
SELECT w.system, w.permission, w.team,
       {'rule': r.rule, 'ttl_days': r.ttl_days, 'emergency_only': r.emergency_only, 'periodic': r.periodic,
        'on_call': r.on_call, 'description': r.description} AS r
FROM ranked w JOIN lapse_permission_rules r USING (system, rule);

DROP TABLE lapse_rule_matches;
