-- Records the batch dropped on purpose (not uses, not malformed), counted by reason for the report.
-- Input:  lapse_batch.
-- Output: reason, n.
SELECT split_part(drop_reason, ': ', 1) AS reason, sum(n)::BIGINT AS n
FROM lapse_batch WHERE NOT g AND drop_reason IS NOT NULL AND NOT quarantine GROUP BY 1
