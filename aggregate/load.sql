-- Builds the relations detect reads, from the lake as of a day.
-- Inputs (views created by aggregate/index.ts): lapse_objects_files (the ledger), lapse_grants_files
--   (the newest grants snapshot per system), lapse_people_file (the newest directory).
--   Parameter: $as_of (DATE).
-- Outputs: lapse_sources, lapse_grants, lapse_people (lapse_last_use: see rollup.ts).

-- What each system's logs cover: first and newest event day (any record with a time, not only uses).
CREATE OR REPLACE TEMP TABLE lapse_sources AS
SELECT system,
       min(first_seen)::DATE AS first_day,
       least(max(last_seen)::DATE, $as_of) AS newest_day
FROM lapse_objects_files
WHERE first_seen IS NOT NULL AND first_seen::DATE <= $as_of
GROUP BY system;

-- The newest grants snapshot on or before the as-of day, per system (the view holds only those), with
-- the first snapshot day each grant was seen (carried from snapshot to snapshot at ingest). A view: each
-- reader scans the snapshot files about as fast as it would a table, and a table would copy every grant
-- (10M grants: 1.6 s and 1 GB of memory held through detect).
CREATE OR REPLACE TEMP VIEW lapse_grants AS
-- label: the permission's display name (NULL in snapshots written before labels existed).
SELECT system, principal, permission, granted_at, via, coalesce(first_seen, day) AS first_seen, day AS snapshot, label
FROM lapse_grants_files;

CREATE OR REPLACE TEMP TABLE lapse_people AS
SELECT id, email, team, manager, status, aliases, start_date, leave_until
FROM lapse_people_file;
