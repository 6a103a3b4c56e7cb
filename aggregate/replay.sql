-- Last use per (system, principal, permission) as of a past day, from the whole history: the slow
-- path for `--as-of` before the newest folded day (the rollup already holds later uses). The same
-- columns as the rollup (aggregate/rollup.sql): first and last use day, the newest $recent_days
-- distinct use days, ascending, and their rhythm (core/rhythm.ts); principals lower-cased.
-- Inputs: lapse_usage_files, lapse_objects_files. Parameters: $as_of (DATE), $recent_days, $episode_gap,
-- $regular_days (INTEGER). Output: lapse_last_use.
CREATE OR REPLACE TEMP TABLE lapse_last_use AS
SELECT system, principal, permission, first_used, last_used, recent_days,
  lapse_regular_until(recent_days, gaps, $episode_gap, $regular_days) AS regular_until,
  lapse_longest_gap(recent_days, gaps, $episode_gap, $regular_days) AS longest_gap
FROM (
  SELECT *, lapse_gaps(recent_days) AS gaps
  FROM (
    SELECT system, principal, permission, min(day) AS first_used, max(day) AS last_used,
      list_sort(max(day, $recent_days)) AS recent_days
    FROM (
      SELECT DISTINCT u.system, lower(u.principal) AS principal, u.permission, u.day
      FROM lapse_usage_files u
      SEMI JOIN lapse_objects_files o ON o.object_id = u.source AND o.system = u.system
      WHERE u.day <= $as_of
    )
    GROUP BY ALL
  )
);
