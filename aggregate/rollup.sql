-- Folds committed batches' usage into one system's part of the last-use rollup: one row per
-- (system, principal, permission) with the first and last day it was used. min/max make folding a
-- batch twice harmless. Principals are lower-cased: lapse matches them case-insensitively, and detect
-- then joins without another pass.
-- Inputs: lapse_fold (the system's rollup so far), lapse_usage_files (here only the day partitions the
--         batches touch), lapse_objects_files (the ledger), lapse_fold_batches(batch): the batches to fold.
-- Output: lapse_fold, replaced.
CREATE OR REPLACE TEMP TABLE lapse_fold AS
SELECT system, principal, permission, min(first_used) AS first_used, max(last_used) AS last_used
FROM (
  SELECT system, principal, permission, first_used, last_used FROM lapse_fold
  UNION ALL
  SELECT u.system, lower(u.principal), u.permission, min(u.day), max(u.day)
  FROM lapse_usage_files u
  SEMI JOIN (SELECT system, object_id FROM lapse_objects_files SEMI JOIN lapse_fold_batches USING (batch)) o
    ON o.object_id = u.source AND o.system = u.system
  GROUP BY ALL
)
GROUP BY ALL;
