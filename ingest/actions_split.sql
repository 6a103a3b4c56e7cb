-- Splits one summarize.sql result made with the action slots filled: action groups to lapse_batch_actions,
-- the rest (exactly what summarize.sql makes without them) to lapse_batch.
-- Input:  lapse_batch_summary (summarize.sql with actions, one connector query's result).
-- Output: rows added to lapse_batch_actions (uses with an action) and lapse_batch; lapse_batch_summary dropped.
INSERT INTO lapse_batch_actions
SELECT file, day, principal, permission, action, n, first_seen, last_seen
FROM lapse_batch_summary WHERE is_action AND action IS NOT NULL;
INSERT INTO lapse_batch BY NAME SELECT * EXCLUDE (action, is_action) FROM lapse_batch_summary WHERE NOT is_action;
DROP TABLE lapse_batch_summary;
