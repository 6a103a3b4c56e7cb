-- Builds the tables detect reads, from the lake as of a day.
-- Inputs (views created by aggregate/index.ts): lapse_usage_files, lapse_objects_files,
--   lapse_grants_files, lapse_people_file.  Parameter: $as_of (DATE).
-- Outputs: lapse_last_use, lapse_sources, lapse_grants, lapse_people.

-- Usage summaries whose source object is committed in the ledger, one copy per key
-- (a batch re-run after a crash may have written the same rows twice), up to the as-of day.
CREATE OR REPLACE TEMP TABLE lapse_last_use AS
SELECT system, principal, permission,
       min(day) AS first_used, max(day) AS last_used, count(DISTINCT day) AS active_days
FROM (
  SELECT DISTINCT u.system, u.day, u.principal, u.permission, u.source
  FROM lapse_usage_files u
  SEMI JOIN lapse_objects_files o ON o.object_id = u.source AND o.system = u.system
  WHERE u.day <= $as_of
)
GROUP BY ALL;

-- What each system's logs cover: first and newest event day (any record with a time, not only uses).
CREATE OR REPLACE TEMP TABLE lapse_sources AS
SELECT system,
       min(first_seen)::DATE AS first_day,
       least(max(last_seen)::DATE, $as_of) AS newest_day
FROM lapse_objects_files
WHERE first_seen IS NOT NULL AND first_seen::DATE <= $as_of
GROUP BY system;

-- The newest grants snapshot on or before the as-of day, per system, with the first snapshot day
-- each grant was seen (its age when the export has no granted_at).
CREATE OR REPLACE TEMP TABLE lapse_grants AS
WITH snaps AS (SELECT * FROM lapse_grants_files WHERE day <= $as_of),
latest AS (SELECT system, max(day) AS day FROM snaps GROUP BY system),
first_seen AS (SELECT system, principal, permission, min(day) AS first_seen FROM snaps GROUP BY ALL)
SELECT g.system, g.principal, g.permission, g.granted_at, g.via, f.first_seen, g.day AS snapshot
FROM snaps g
JOIN latest l USING (system, day)
JOIN first_seen f USING (system, principal, permission);

CREATE OR REPLACE TEMP TABLE lapse_people AS
SELECT id, email, team, manager, status, aliases, start_date
FROM lapse_people_file
WHERE day = (SELECT max(day) FROM lapse_people_file WHERE day <= $as_of);
