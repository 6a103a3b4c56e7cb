-- What each principal did with each permission over a window of days, from the committed action
-- summaries (a row is visible once its source object is in the ledger, as for usage); and, per system,
-- the first and last day with action summaries, so a reader can tell a system observed for less than
-- the window. Duplicate rows (a compaction cut short keeps both copies) count once.
-- Inputs: lapse_actions_window (actions_daily/ files of the window's days), lapse_actions_upto (files of
--         every day up to the window's end), lapse_objects_files (the ledger).
-- Parameters: $from, $to (DATE), $system (VARCHAR; '': every system).
-- Outputs: lapse_action_uses, lapse_action_coverage (core/relations.ts).
CREATE OR REPLACE TEMP TABLE lapse_action_uses AS
SELECT system, lower(principal) AS principal, permission, action, bool_or(iam) AS iam, sum(uses)::BIGINT AS uses,
       count(DISTINCT day)::INTEGER AS days, min(first_seen) AS first_seen, max(last_seen) AS last_seen
FROM (
  SELECT DISTINCT a.system, a.day, a.principal, a.permission, a.action, a.iam, a.source, a.uses, a.first_seen, a.last_seen
  FROM lapse_actions_window a
  SEMI JOIN lapse_objects_files o ON o.object_id = a.source AND o.system = a.system
  WHERE a.day BETWEEN $from AND $to AND ($system = '' OR a.system = $system)
)
GROUP BY system, lower(principal), permission, action;

CREATE OR REPLACE TEMP TABLE lapse_action_coverage AS
SELECT a.system, min(a.day) AS first_day, max(a.day) AS last_day
FROM lapse_actions_upto a
SEMI JOIN lapse_objects_files o ON o.object_id = a.source AND o.system = a.system
WHERE a.day <= $to AND ($system = '' OR a.system = $system)
GROUP BY a.system;
