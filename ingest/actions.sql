-- The batch's daily action summaries, written (COPY, partitioned by system and day) to actions_daily/.
-- Input:  lapse_batch_actions (actions as logged), lapse_batch_objects, lapse_action_map (raw → action,
--         iam; one action as logged may name several, a GCP record's permissions); $system.
-- Output: one row per (day, principal, permission, action, source object): iam, uses, first_seen, last_seen.
--         iam: the action is a name of the system's authorisation model (an IAM action, a GCP permission,
--         a Kubernetes verb and resource, a GitHub repository role); false: kept as the log names it.
SELECT $system AS system, b.day, b.principal, b.permission, m.action, m.iam, o.object_id AS source,
       sum(b.n)::BIGINT AS uses, min(b.first_seen) AS first_seen, max(b.last_seen) AS last_seen
FROM lapse_batch_actions b
JOIN lapse_batch_objects o USING (file)
JOIN lapse_action_map m ON m.raw = b.action
GROUP BY ALL
