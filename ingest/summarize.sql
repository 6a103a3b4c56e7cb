-- Folds one batch of events into daily use summaries, dropped-record counts, quarantined records and
-- per-file totals, in a single scan of the input.
-- Input:  lapse_events (the connector's EVENT_COLUMNS; see connectors/_shared/define.ts).
-- Output: detail rows (g = 0), one per (file, day, principal, permission) use group, per (file, reason)
--         drop group, or per quarantined record; and per-file totals (g = 1).
-- For a system with `actions: true`, batch.ts fills the {{action…}} slots (empty otherwise): each use's
-- action joins the detail grouping, so a use group is per (file, day, principal, permission, action);
-- actions_split.sql keeps those for the action summaries and folds them back to the rows above.
SELECT
  file,
  day,
  principal,
  permission,
  {{action_column}}drop_reason,
  quarantine,
  q_ord,
  q_sub,
  q_raw,
  grouping(day, principal, permission, drop_reason, quarantine, q_ord, q_sub, q_raw) > 0 AS g,
  count(*) AS n,
  min(time) FILTER (WHERE NOT quarantine) AS first_seen,
  max(time) FILTER (WHERE NOT quarantine) AS last_seen,
  min(ord) AS min_ord
FROM (
  SELECT
    file,
    ord,
    time,
    CASE WHEN drop_reason IS NULL THEN time::DATE END AS day,
    CASE WHEN drop_reason IS NULL THEN principal END AS principal,
    CASE WHEN drop_reason IS NULL THEN permission END AS permission,
    {{action_input}}drop_reason,
    coalesce(quarantine, false) AS quarantine,
    CASE WHEN quarantine THEN ord END AS q_ord,
    CASE WHEN quarantine THEN sub END AS q_sub,
    CASE WHEN quarantine THEN left(raw, 65536) END AS q_raw
  FROM lapse_events
)
GROUP BY GROUPING SETS ((file, day, principal, permission, {{action_key}}drop_reason, quarantine, q_ord, q_sub, q_raw), (file))
