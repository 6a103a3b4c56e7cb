-- The batch's action groups (a system with `actions: true`): what summarize.sql's action grouping set
-- yields, moved here by actions_split.sql, read by actions.sql.
-- Input:  none.
-- Output: lapse_batch_actions (temp table), empty: one row per (file, day, principal, permission, action as logged).
CREATE OR REPLACE TEMP TABLE lapse_batch_actions (
  file VARCHAR, day DATE, principal VARCHAR, permission VARCHAR, action VARCHAR, n BIGINT, first_seen TIMESTAMPTZ, last_seen TIMESTAMPTZ
)
