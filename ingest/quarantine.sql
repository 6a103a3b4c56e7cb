-- The batch's quarantined records, numbered from 1 within their file, for the quarantine JSON lines.
-- Input:  lapse_batch, lapse_batch_objects.
-- Output: file, rec (record number), sub (part of a record), reason, detail, count, raw, object_id, uri;
--         ordered by file and record.
SELECT b.file, (b.q_ord - t.min_ord + 1)::BIGINT AS rec, b.q_sub AS sub, split_part(b.drop_reason, ': ', 1) AS reason,
       nullif(b.drop_reason[length(split_part(b.drop_reason, ': ', 1)) + 3:], '') AS detail, b.n AS count, b.q_raw AS raw, o.object_id, o.uri
FROM lapse_batch b
JOIN (SELECT file, min_ord FROM lapse_batch WHERE g) t ON t.file = b.file
JOIN lapse_batch_objects o ON o.file = b.file
WHERE NOT b.g AND b.quarantine
ORDER BY b.file, rec NULLS LAST, sub NULLS FIRST, reason
