-- The batch's ledger rows (the commit point), written (COPY) to objects/system=<s>/<batch>.parquet.
-- Input:  lapse_batch, lapse_batch_objects; $batch, the batch id.
-- Output: one row per object: object_id, uri, size, mtime_ms, batch, records, uses, dropped, first_seen,
--         last_seen; ordered by object_id.
SELECT o.object_id, o.uri, o.size, o.mtime_ms, $batch AS batch,
       coalesce(t.n, 0)::BIGINT AS records,
       coalesce(u.uses, 0)::BIGINT AS uses,
       coalesce(u.dropped, 0)::BIGINT AS dropped,
       t.first_seen, t.last_seen
FROM lapse_batch_objects o
LEFT JOIN (SELECT file, n, first_seen, last_seen FROM lapse_batch WHERE g) t USING (file)
LEFT JOIN (SELECT file, sum(n) FILTER (WHERE drop_reason IS NULL) AS uses,
                  sum(n) FILTER (WHERE drop_reason IS NOT NULL) AS dropped
           FROM lapse_batch WHERE NOT g GROUP BY file) u USING (file)
ORDER BY o.object_id
