-- The report's run's findings per (system, kind), from the counts its run.json keeps.
-- Inputs: report_runs (runs.sql); $as_of (DATE): the run. Output: system, kind, flagged (new | open |
--   reappeared), new, held (flagged but excluded by a rule or guard), revocable, exempted, resolved (this run).
WITH cells AS (SELECT unnest(counts, recursive := true) FROM report_runs WHERE as_of = $as_of::DATE)
SELECT system, kind,
  coalesce(sum(n) FILTER (WHERE status IN ('new', 'open', 'reappeared')), 0) AS flagged,
  coalesce(sum(n) FILTER (WHERE status IN ('new', 'reappeared')), 0) AS new,
  coalesce(sum(n) FILTER (WHERE status IN ('new', 'open', 'reappeared') AND excluded_by IS NOT NULL), 0) AS held,
  coalesce(sum(n) FILTER (WHERE revocable), 0) AS revocable,
  coalesce(sum(n) FILTER (WHERE status = 'exempted'), 0) AS exempted,
  coalesce(sum(n) FILTER (WHERE status = 'resolved'), 0) AS resolved
FROM cells
GROUP BY system, kind
ORDER BY system, kind
