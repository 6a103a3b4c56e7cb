-- Last use per (system, principal, permission) as of a past day, from the whole history: the slow
-- path for `--as-of` before the newest folded day (the rollup already holds later uses). Principals
-- lower-cased, as in the rollup.
-- Inputs: lapse_usage_files, lapse_objects_files. Parameter: $as_of (DATE). Output: lapse_last_use.
CREATE OR REPLACE TEMP TABLE lapse_last_use AS
SELECT u.system, lower(u.principal) AS principal, u.permission, min(u.day) AS first_used, max(u.day) AS last_used
FROM lapse_usage_files u
SEMI JOIN lapse_objects_files o ON o.object_id = u.source AND o.system = u.system
WHERE u.day <= $as_of
GROUP BY ALL;
