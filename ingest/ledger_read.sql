-- The object ledger of one system: every object ingested, to skip it next time.
-- Input:  $files, the ledger's Parquet files (objects/system=<s>/*.parquet, written by ledger.sql).
-- Output: one row, `packed`: a JSON array with per ingested object [object_id, uri, size, mtime_ms]
--         (NULL when the ledger is empty). One string crosses into JS instead of a row object per
--         object: 23k objects read in tens of milliseconds instead of about a second.
SELECT to_json(list([object_id, uri, size::VARCHAR, mtime_ms::VARCHAR]))::VARCHAR AS packed
FROM read_parquet($files)
