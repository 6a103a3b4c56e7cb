-- Who is who: (system, lower-case native id) → directory person. The system's alias first, then the
-- person's e-mail (case-insensitive). Every rule that joins a principal to a person reads this table.
-- Inputs: lapse_people (aggregate/load.sql). Parameter: $systems (VARCHAR[]): the configured systems.
-- Output: lapse_resolve(system, native, person).
CREATE OR REPLACE TEMP TABLE lapse_resolve AS
SELECT system, native, arg_min(person, rank) AS person
FROM (
  SELECT a.system, lower(a.id) AS native, p.id AS person, 1 AS rank FROM lapse_people p, unnest(p.aliases) AS t(a)
  UNION ALL
  SELECT s.system, lower(p.email), p.id, 2 FROM lapse_people p CROSS JOIN (SELECT unnest($systems) AS system) s
)
GROUP BY ALL;
