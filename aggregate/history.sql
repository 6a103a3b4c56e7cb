-- Every day each (system, principal, permission) was used, up to the as-of day: the full history that
-- suggest-ttl and backtest replay (detect itself needs only the last use).
-- Inputs: lapse_usage_files, lapse_objects_files (views made by loadAsOf). Parameter: $as_of (DATE).
-- Output: lapse_active_days(system, principal, permission, day), one row per active day.
CREATE OR REPLACE TEMP TABLE lapse_active_days AS
SELECT DISTINCT u.system, u.principal, u.permission, u.day
FROM lapse_usage_files u
SEMI JOIN lapse_objects_files o ON o.object_id = u.source AND o.system = u.system
WHERE u.day <= $as_of;
