-- What the directory's history says about each person up to the as-of day, from every directory snapshot in
-- the lake (one per ingest day, plus directory.history).
-- Input: lapse_directory_files (a view over every directory snapshot on or before the as-of day).
-- Parameter: $as_of (DATE).
-- Outputs: lapse_moves(person, from_team, moved_on): each person's newest team move, the first snapshot day
--            their team differed from the snapshot before;
--          lapse_directory_leave(person, from_day, to_day): each run of snapshots with status `leave`, to its
--            leave_until (null: open) while it lasts, else to its last snapshot.
CREATE OR REPLACE TEMP TABLE lapse_moves AS
WITH teams AS (
  SELECT id, day, team, lag(team) OVER (PARTITION BY id ORDER BY day) AS before
  FROM lapse_directory_files
  WHERE day <= $as_of
)
SELECT id AS person, arg_max(before, day) AS from_team, max(day) AS moved_on
FROM teams
WHERE before IS NOT NULL AND before <> team
GROUP BY id;

CREATE OR REPLACE TEMP TABLE lapse_directory_leave AS
WITH snapshots AS (
  SELECT id, day, status = 'leave' AS away, leave_until,
         lead(day) OVER (PARTITION BY id ORDER BY day) IS NULL AS newest,
         -- A new run starts at every snapshot that is not leave.
         count_if(status <> 'leave') OVER (PARTITION BY id ORDER BY day) AS run
  FROM lapse_directory_files
  WHERE day <= $as_of
)
SELECT id AS person, min(day) AS from_day,
       CASE WHEN bool_or(newest) THEN arg_max(leave_until, day) ELSE max(day) END AS to_day
FROM snapshots
WHERE away
GROUP BY id, run;
