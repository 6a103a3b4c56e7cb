-- Splits one summarize.sql result made with the action slots filled: its use groups (per action) go to
-- lapse_batch_actions, and every row, folded back over the action, to lapse_batch, which then holds
-- exactly what summarize.sql makes without the slots.
-- Input:  lapse_batch_summary (summarize.sql with actions, one connector query's result).
-- Output: rows added to lapse_batch_actions (uses with an action) and lapse_batch; lapse_batch_summary dropped.
INSERT INTO lapse_batch_actions
SELECT file, day, principal, permission, action, n, first_seen, last_seen
FROM lapse_batch_summary WHERE NOT g AND drop_reason IS NULL AND action IS NOT NULL;
INSERT INTO lapse_batch BY NAME
SELECT file, day, principal, permission, drop_reason, quarantine, q_ord, q_sub, q_raw, g,
       sum(n)::BIGINT AS n, min(first_seen) AS first_seen, max(last_seen) AS last_seen, min(min_ord) AS min_ord
FROM lapse_batch_summary
GROUP BY file, day, principal, permission, drop_reason, quarantine, q_ord, q_sub, q_raw, g;
DROP TABLE lapse_batch_summary;
