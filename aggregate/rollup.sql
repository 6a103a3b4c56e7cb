-- Folds committed batches' usage into one system's part of the last-use rollup: one row per
-- (system, principal, permission) with the first and last day it was used, its newest distinct use
-- days (at most $recent_days, ascending) and the rhythm they show (core/rhythm.ts RHYTHM_MACROS:
-- regular_until, set when the last use is a lone stray; longest_gap), which detect/evaluate.sql judges.
-- Each day column merges without regard to order or repetition (min, max, the newest N of a set of
-- days), so folding a batch twice, or batches out of day order, gives what replay.sql gives from the
-- whole history. Principals are lower-cased: lapse matches them case-insensitively, and detect then
-- joins without another pass. Grants the batches do not touch are copied as they are.
-- Inputs: lapse_fold (the system's rollup so far), lapse_usage_files (here only the day partitions the
--         batches touch), lapse_objects_files (the ledger), lapse_fold_batches(batch): the batches to fold.
-- Parameters: $recent_days, $episode_gap, $regular_days (INTEGER). Output: lapse_fold, replaced.
CREATE OR REPLACE TEMP TABLE lapse_fold AS
WITH batch AS (
  SELECT system, principal, permission, min(day) AS first_used, max(day) AS last_used,
    max(day, $recent_days) AS recent_days
  FROM (
    SELECT DISTINCT u.system, lower(u.principal) AS principal, u.permission, u.day
    FROM lapse_usage_files u
    SEMI JOIN (SELECT system, object_id FROM lapse_objects_files SEMI JOIN lapse_fold_batches USING (batch)) o
      ON o.object_id = u.source AND o.system = u.system
  )
  GROUP BY ALL
),
merged AS (
  SELECT b.system, b.principal, b.permission, least(f.first_used, b.first_used) AS first_used,
    greatest(f.last_used, b.last_used) AS last_used,
    list_slice(list_sort(list_distinct(coalesce(f.recent_days, []) || b.recent_days)), -$recent_days, -1) AS recent_days
  FROM batch b LEFT JOIN lapse_fold f USING (system, principal, permission)
)
SELECT system, principal, permission, first_used, last_used, recent_days, regular_until, longest_gap
FROM lapse_fold ANTI JOIN batch USING (system, principal, permission)
UNION ALL
SELECT system, principal, permission, first_used, last_used, recent_days,
  lapse_regular_until(recent_days, gaps, $episode_gap, $regular_days) AS regular_until,
  lapse_longest_gap(recent_days, gaps, $episode_gap, $regular_days) AS longest_gap
FROM (SELECT *, lapse_gaps(recent_days) AS gaps FROM merged);
