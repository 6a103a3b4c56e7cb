-- What each principal did with each permission over a window of days, from the committed action
-- summaries (a row is visible once its source object is in the ledger, as for usage); and, per system,
-- the first and last day with action summaries, so a reader can tell a system observed for less than
-- the window.
-- A file holds each (day, principal, permission, action, source) once, so a day partition of one file
-- is read as it is; only partitions of several files can hold a cut-short compaction's second copy of a
-- row, and only their rows go through DISTINCT (copies count once). `days` counts the bits of one
-- 64-day mask per stretch of the window (a few groups per action, where count(DISTINCT day) or a
-- GROUP BY day hashed every row again: 2-4x slower on a year).
-- Inputs: lapse_actions_whole (the window's day partitions of one file), lapse_actions_shards (the
--         window's partitions of several files), lapse_actions_upto (files of every day up to the
--         window's end), lapse_objects_files (the ledger).
-- Parameters: $from, $to (DATE), $system (VARCHAR; '': every system).
-- Outputs: lapse_action_uses, lapse_action_coverage (core/relations.ts).
CREATE OR REPLACE TEMP TABLE lapse_action_uses AS
WITH rows_ AS (
  SELECT system, day, principal, permission, action, iam, source, uses, first_seen, last_seen FROM lapse_actions_whole
  UNION ALL
  SELECT DISTINCT system, day, principal, permission, action, iam, source, uses, first_seen, last_seen FROM lapse_actions_shards
),
stretches AS (
  SELECT a.system, lower(a.principal) AS principal, a.permission, a.action, (a.day - $from::DATE) // 64 AS stretch,
         bit_or(1::UBIGINT << ((a.day - $from::DATE) % 64)) AS mask, bool_or(a.iam) AS iam, sum(a.uses) AS uses,
         min(a.first_seen) AS first_seen, max(a.last_seen) AS last_seen
  FROM rows_ a
  SEMI JOIN lapse_objects_files o ON o.object_id = a.source AND o.system = a.system
  WHERE a.day BETWEEN $from AND $to AND ($system = '' OR a.system = $system)
  GROUP BY ALL
)
SELECT system, principal, permission, action, bool_or(iam) AS iam, sum(uses)::BIGINT AS uses,
       sum(bit_count(mask))::INTEGER AS days, min(first_seen) AS first_seen, max(last_seen) AS last_seen
FROM stretches
GROUP BY system, principal, permission, action;

CREATE OR REPLACE TEMP TABLE lapse_action_coverage AS
SELECT a.system, min(a.day) AS first_day, max(a.day) AS last_day
FROM lapse_actions_upto a
SEMI JOIN lapse_objects_files o ON o.object_id = a.source AND o.system = a.system
WHERE a.day <= $to AND ($system = '' OR a.system = $system)
GROUP BY a.system;
