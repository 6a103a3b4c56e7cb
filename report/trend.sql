-- Findings over time: one row per (run, system), every system of every run present (0 when it had none),
-- so each line of the trend chart has a point at every run.
-- Input: report_runs (runs.sql). Output: as_of, system, flagged (new | open | reappeared), new (new |
--   reappeared), held (flagged but excluded by a rule or guard), revocable, exempted, resolved (this run),
--   guard_held (grants the run's guards held back), revoked and restored (lapse revocations before the run,
--   and restores of them, from the run's sources).
WITH systems AS (
  SELECT DISTINCT unnest(list_transform(counts, c -> c.system)) AS system FROM report_runs
  UNION SELECT DISTINCT unnest(list_transform(sources, s -> s.system)) FROM report_runs
),
grid AS (SELECT r.as_of, s.system FROM report_runs r CROSS JOIN systems s),
cells AS (SELECT as_of, unnest(counts, recursive := true) FROM report_runs),
per_cell AS (
  SELECT as_of, system,
    sum(n) FILTER (WHERE status IN ('new', 'open', 'reappeared')) AS flagged,
    sum(n) FILTER (WHERE status IN ('new', 'reappeared')) AS new,
    sum(n) FILTER (WHERE status IN ('new', 'open', 'reappeared') AND excluded_by IS NOT NULL) AS held,
    sum(n) FILTER (WHERE revocable) AS revocable,
    sum(n) FILTER (WHERE status = 'exempted') AS exempted,
    sum(n) FILTER (WHERE status = 'resolved') AS resolved
  FROM cells GROUP BY ALL
),
guards AS (SELECT as_of, unnest(guards, recursive := true) FROM report_runs),
per_guard AS (SELECT as_of, system, sum(held) AS guard_held FROM guards GROUP BY ALL),
sources AS (SELECT as_of, unnest(sources, recursive := true) FROM report_runs)
SELECT g.as_of::VARCHAR AS as_of, g.system,
  coalesce(c.flagged, 0) AS flagged, coalesce(c.new, 0) AS new, coalesce(c.held, 0) AS held,
  coalesce(c.revocable, 0) AS revocable, coalesce(c.exempted, 0) AS exempted, coalesce(c.resolved, 0) AS resolved,
  coalesce(pg.guard_held, 0) AS guard_held, coalesce(s.revoked, 0) AS revoked, coalesce(s.restored_after_revocation, 0) AS restored
FROM grid g
LEFT JOIN per_cell c USING (as_of, system)
LEFT JOIN per_guard pg USING (as_of, system)
LEFT JOIN sources s USING (as_of, system)
ORDER BY g.as_of, g.system
