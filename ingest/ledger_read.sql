-- The object ledger of one system: every object ingested, to skip it next time.
-- Input:  $files, the ledger's Parquet files (objects/system=<s>/*.parquet, written by ledger.sql).
-- Output: one row per ingested object: its id, where it was read, and the size and mtime it had then.
SELECT object_id, uri, size, mtime_ms FROM read_parquet($files)
