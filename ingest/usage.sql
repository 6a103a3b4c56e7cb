-- The batch's daily use summaries, written (COPY, partitioned by system and day) to usage_daily/.
-- Input:  lapse_batch, lapse_batch_objects; $system.
-- Output: one row per (day, principal, permission, source object): uses, first_seen, last_seen.
SELECT $system AS system, b.day, b.principal, b.permission, o.object_id AS source,
       sum(b.n)::BIGINT AS uses, min(b.first_seen) AS first_seen, max(b.last_seen) AS last_seen
FROM lapse_batch b JOIN lapse_batch_objects o USING (file)
WHERE NOT b.g AND b.drop_reason IS NULL
GROUP BY ALL
