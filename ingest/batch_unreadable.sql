-- Records a file the engine could not read: one quarantined record (the whole file) and its per-file total.
-- Input:  $file, its path; $reason, `unreadable_file: <error>`.
-- Output: two rows added to lapse_batch (a g = 0 quarantine row and a g = 1 total).
INSERT INTO lapse_batch (file, drop_reason, quarantine, g, n) VALUES ($file, $reason, true, false, 1), ($file, NULL, false, true, 1)
