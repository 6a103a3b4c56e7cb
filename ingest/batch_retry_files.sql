-- The files of the batch a connector's fast path handed to its text path (connectors/_shared/retry.ts).
-- Input:  lapse_batch. Parameters: $reason (RETRY_AS_TEXT).
-- Output: file, one row per such file.
SELECT DISTINCT file FROM lapse_batch WHERE drop_reason = $reason
