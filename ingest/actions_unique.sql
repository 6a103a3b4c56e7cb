-- actions.sql for a batch whose actions as logged each map to one action of their own (no two share a
-- name; the common case): each use group is already one row, so nothing is aggregated again.
-- Input:  lapse_batch_actions, lapse_batch_objects, lapse_action_map; $system.
-- Output: as actions.sql.
SELECT $system AS system, b.day, b.principal, b.permission, m.action, m.iam, o.object_id AS source,
       b.n AS uses, b.first_seen, b.last_seen
FROM lapse_batch_actions b
JOIN lapse_batch_objects o USING (file)
JOIN lapse_action_map m ON m.raw = b.action
