-- Ledger rows for objects already ingested that a source now names under another path, size or mtime
-- (a re-delivered copy, a touched file): the stat index learns them, so they are not read again.
-- Input:  lapse_seen(object_id, uri, size, mtime_ms), made from JS rows by ingest/ledger.ts.
-- Output: the ledger's columns (ledger.sql), with no batch, records or times: the content's own row
--         holds those, and readers that fold batches or span days skip rows without them.
SELECT object_id, uri, size::BIGINT AS size, mtime_ms::BIGINT AS mtime_ms, NULL::VARCHAR AS batch,
       0::BIGINT AS records, 0::BIGINT AS uses, 0::BIGINT AS dropped,
       NULL::TIMESTAMPTZ AS first_seen, NULL::TIMESTAMPTZ AS last_seen
FROM lapse_seen
ORDER BY object_id, uri
