-- Flagged findings per team and kind (findings whose principal resolves to no person have team NULL).
-- Input: report_findings (findings.sql). Output: team, kind, flagged, actionable (not excluded by a rule or
--   guard), and per team: people (distinct persons, or principals when unresolved, with a flagged grant) and
--   team_total (its flagged grants); biggest teams first.
WITH flagged AS (SELECT * FROM report_findings WHERE status IN ('new', 'open', 'reappeared')),
teams AS (
  SELECT team, count(*) AS team_total, count(DISTINCT coalesce(person, system || ':' || principal)) AS people
  FROM flagged GROUP BY team
)
SELECT f.team, f.kind, count(*) AS flagged, count(*) FILTER (WHERE f.excluded_by IS NULL) AS actionable,
  any_value(t.people) AS people, any_value(t.team_total) AS team_total
FROM flagged f
JOIN teams t ON t.team IS NOT DISTINCT FROM f.team
GROUP BY f.team, f.kind
ORDER BY team_total DESC, f.team NULLS LAST, f.kind
