-- Drops what the engine read of files found broken (a cut .gz), to quarantine them whole instead.
-- Input:  lapse_batch; $files, the broken files' paths.
-- Output: lapse_batch without those files' rows.
DELETE FROM lapse_batch WHERE list_contains($files, file)
