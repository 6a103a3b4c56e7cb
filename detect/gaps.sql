-- The usage history as gaps between active days, per (subject, permission): what suggest.sql and
-- backtest.sql both read. A subject is a person, or an unresolved principal ('principal:<id>'),
-- resolved as in evaluate.sql (lapse_resolve: the system's alias first, then the email).
-- Inputs: lapse_active_days (aggregate/history.sql); lapse_grants, lapse_people (aggregate/load.sql);
--         lapse_resolve (detect/resolve.sql).
-- Output: lapse_subject_ids(subject, grp, sid), grp being 'team:<team>' or 'none' (unresolved);
--         lapse_subjects(system, principal, sid, grp); lapse_permission_ids(system, permission, pid);
--         lapse_gaps(pid, sid, day, gap): gap = days since the subject's previous active day (NULL on the
--         first). Several native ids of one person used on one day give several rows, hence gaps of 0:
--         the same day, not a gap. Integer ids so the passes over every row sort and group small keys.
CREATE OR REPLACE TEMP TABLE lapse_gap_resolved AS
WITH principals AS (
  SELECT system, principal FROM lapse_active_days
  UNION
  SELECT system, principal FROM lapse_grants
)
SELECT n.system, n.principal,
       coalesce(r.person, 'principal:' || lower(n.principal)) AS subject,
       CASE WHEN r.person IS NULL THEN 'none' ELSE 'team:' || p.team END AS grp
FROM principals n
LEFT JOIN lapse_resolve r ON r.system = n.system AND r.native = lower(n.principal)
LEFT JOIN lapse_people p ON p.id = r.person;

CREATE OR REPLACE TEMP TABLE lapse_subject_ids AS
SELECT subject, grp, row_number() OVER () AS sid FROM (SELECT DISTINCT subject, grp FROM lapse_gap_resolved);

CREATE OR REPLACE TEMP TABLE lapse_subjects AS
SELECT r.system, r.principal, i.sid, i.grp FROM lapse_gap_resolved r JOIN lapse_subject_ids i USING (subject, grp);

CREATE OR REPLACE TEMP TABLE lapse_permission_ids AS
SELECT system, permission, row_number() OVER () AS pid
FROM (SELECT DISTINCT system, permission FROM lapse_active_days UNION SELECT system, permission FROM lapse_grants);

CREATE OR REPLACE TEMP TABLE lapse_gaps AS
SELECT pid, sid, day, date_diff('day', lag(day) OVER (PARTITION BY pid, sid ORDER BY day), day) AS gap
FROM (
  SELECT p.pid, s.sid, a.day
  FROM lapse_active_days a
  JOIN lapse_subjects s ON s.system = a.system AND s.principal = a.principal
  JOIN lapse_permission_ids p ON p.system = a.system AND p.permission = a.permission
);

DROP TABLE lapse_gap_resolved;
