-- The totals of a batch's ledger rows, for the ingest report.
-- Input:  $file, the batch's ledger Parquet file (ledger.sql).
-- Output: one row: records, uses, newest (the latest event, as text).
SELECT sum(records)::BIGINT AS records, sum(uses)::BIGINT AS uses, max(last_seen)::VARCHAR AS newest
FROM read_parquet($file)
