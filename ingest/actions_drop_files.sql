-- Drops the action groups of files found broken (a cut .gz), as batch_drop_files.sql does for lapse_batch.
-- Input:  lapse_batch_actions; $files, the broken files' paths.
-- Output: lapse_batch_actions without those files' rows.
DELETE FROM lapse_batch_actions WHERE list_contains($files, file)
