-- Gives each finding its lifecycle against the previous run's findings file, which keeps every finding
-- ever resolved, so a finding that comes back is known as `reappeared` however long it was gone.
-- Inputs: lapse_eval (evaluate.sql), lapse_people, lapse_grants (each permission's display label), lapse_prev (the previous run's findings file, same columns as the
--         output), lapse_decisions(finding_id, decision) (the newest decision per finding), lapse_rules(id,
--         exempts, reason) (detect/rules/registry.ts).
-- Parameters: $as_of (DATE), $grace_days (INTEGER), $anomaly_threshold (DOUBLE, for the reason's text),
--             $min_confidence (high | medium | low: below it a finding waits for a person's revoke decision).
-- Output: the findings file (the findings_file slot: a Parquet path detect.ts quotes, as COPY takes no parameter):
--         flagged grants (new | open | reappeared | exempted), findings gone since the previous run
--         (resolved today), and older resolved findings carried forward as history. Written straight to
--         Parquet: a temp table of millions of findings costs more to fill than the file does to read back.
CREATE OR REPLACE TEMP MACRO confidence_rank(c) AS CASE c WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 END;

COPY (
WITH managers AS (
  -- The manager column holds an id or an e-mail; two equi-joins (an OR join would compare every pair).
  SELECT p.id, p.email, coalesce(by_id.email, by_email.email, p.manager) AS manager
  FROM lapse_people p
  LEFT JOIN lapse_people by_id ON by_id.id = p.manager
  LEFT JOIN lapse_people by_email ON lower(by_email.email) = lower(p.manager)
),
labels AS (
  SELECT system, permission, min(label) AS label FROM lapse_grants WHERE label IS NOT NULL GROUP BY system, permission
),
-- Materialized: read here and again for the previous findings it replaces.
cur AS MATERIALIZED (
  SELECT
    e.finding_id, e.kind, e.system, e.principal, e.person, m.email, e.team, m.manager, e.permission, e.via,
    e.last_used, e.days_unused, e.ttl_days, e.granted_at,
    CASE WHEN e.kind = 'cold_start_anomaly' THEN round(e.cold_score, 4) END AS score,
    CASE WHEN e.kind = 'cold_start_anomaly' THEN {
      'team_size': e.team_size::INTEGER, 'team_holders': e.team_holders::INTEGER,
      'team_users': e.team_users::INTEGER, 'org_holders': e.org_holders::INTEGER} END AS baseline,
    e.excluded_by,
    -- A rule that exempts gives its reason, or the covering exemption's own text (core/rules.ts).
    CASE WHEN r.exempts THEN coalesce(r.reason, e.exemption_text) END AS exempt_reason,
    d.decision,
    coalesce(r.exempts, false) AS exempted,
    -- How sure the finding is, and why, in one sentence: a manager's revoke confirms it.
    CASE
      WHEN d.decision = 'revoke' THEN 'high'
      WHEN e.kind = 'never_used' AND e.unobserved THEN 'low'
      WHEN e.kind IN ('cold_start_anomaly', 'team_move') THEN 'medium'
      -- Stale only because a lone stray use does not count: a person confirms before it is revoked.
      WHEN e.kind = 'stale' AND e.stray THEN 'medium'
      -- At least half as many holders as the guard needs share the silence: the logs may miss it.
      WHEN e.kind = 'never_used' AND e.unobserved_suspect THEN 'medium'
      ELSE 'high'
    END AS confidence,
    CASE
      WHEN d.decision = 'revoke' THEN 'confirmed by the manager''s revoke decision'
      WHEN e.kind = 'never_used' AND e.unobserved THEN format(
        'none of the {} holders of this permission used it in the {} days observed: its use is more likely unlogged than unused',
        e.unobserved_holders, e.observed_days)
      WHEN e.kind = 'cold_start_anomaly' THEN format(
        '{} of the {} others on team {} hold it ({} used it within the TTL), {} in the company: score {} reaches {}; the manager decides',
        greatest(e.team_holders - 1, 0), greatest(e.team_size - 1, 0), coalesce(e.team, '?'),
        e.team_users - CASE WHEN e.last_used >= $as_of::DATE - e.ttl_days THEN 1 ELSE 0 END,
        greatest(e.org_holders - 1, 0), round(e.cold_score, 2), $anomaly_threshold::DOUBLE)
      WHEN e.kind = 'team_move' THEN format(
        'moved from team {} on {}: {}% of that team hold it, {}% of the new team; the new manager decides',
        e.from_team, e.moved_on, round(100 * e.old_team_share)::INTEGER, round(100 * e.new_team_share)::INTEGER)
      WHEN e.kind = 'terminated' THEN 'the person is terminated in the directory'
      WHEN e.kind = 'never_used' AND e.unobserved_suspect THEN format(
        'none of the {} holders of this permission used it in the {} days observed: it may be unlogged',
        e.unobserved_holders, e.observed_days)
      WHEN e.kind = 'never_used' AND e.unobserved_holders IS NOT NULL THEN 'never used, and too few hold it to suspect the logs'
      WHEN e.kind = 'never_used' THEN 'never used, while others'' use of this permission is in the logs'
      WHEN e.kind = 'stale' AND e.stray THEN format(
        'a lone use on {}, {} days after its regular use ended on {}, does not restart the TTL; a person confirms before it is revoked',
        e.last_used, date_diff('day', e.regular_until, e.last_used), e.regular_until)
      WHEN e.kind = 'stale' AND e.ttl_days > e.rule_ttl_days THEN format(
        'unused for longer than its own rhythm allows: it came back after {} days without use before, so its TTL of {} days is {} for it',
        e.longest_gap, e.rule_ttl_days, e.ttl_days)
      ELSE 'not used since a use the logs recorded'
    END AS confidence_reason,
    CASE WHEN e.kind = 'team_move' THEN {
      'from_team': e.from_team, 'moved_on': e.moved_on,
      'old_team_share': round(e.old_team_share, 4), 'new_team_share': round(e.new_team_share, 4)} END AS move,
    e.leave_days,
    -- A permission's display name: joined for findings only (lapse_eval stays narrow), from one row per permission.
    l.label
  FROM lapse_eval e
  LEFT JOIN labels l ON l.system = e.system AND l.permission = e.permission
  LEFT JOIN lapse_rules r ON r.id = e.excluded_by
  LEFT JOIN managers m ON m.id = e.person
  LEFT JOIN lapse_decisions d USING (finding_id)
  WHERE e.kind IS NOT NULL
),
staged AS (
  SELECT cur.* EXCLUDE (exempted),
    CASE
      WHEN cur.exempted THEN 'exempted'
      WHEN prev.finding_id IS NULL THEN 'new'
      WHEN prev.status = 'resolved' THEN 'reappeared'
      ELSE 'open'
    END AS status,
    -- Notice starts again when a finding comes back, or when its exemption ends.
    CASE WHEN prev.finding_id IS NULL OR prev.status IN ('resolved', 'exempted') THEN $as_of::DATE
         ELSE prev.first_flagged END AS first_flagged,
    NULL::DATE AS resolved_on
  FROM cur LEFT JOIN lapse_prev prev USING (finding_id)
)
SELECT * REPLACE (CASE WHEN status = 'exempted' THEN NULL ELSE revocable_from END AS revocable_from)
FROM (
  SELECT *,
    CASE
      WHEN kind = 'terminated' THEN first_flagged
      -- A manager decides these: only a revoke puts them on a list.
      WHEN kind IN ('cold_start_anomaly', 'team_move') THEN CASE WHEN decision = 'revoke' THEN first_flagged END
      -- Below the lists' confidence, a person's revoke decision is needed too.
      WHEN confidence_rank(confidence) < confidence_rank($min_confidence) AND decision IS DISTINCT FROM 'revoke' THEN NULL
      ELSE first_flagged + $grace_days::INTEGER
    END AS revocable_from
  FROM staged
)
-- The previous run's findings not flagged today: open ones are resolved today, resolved ones carried as
-- history.
UNION ALL BY NAME
SELECT prev.* REPLACE (
  'resolved' AS status,
  CASE WHEN prev.status = 'resolved' THEN prev.resolved_on ELSE $as_of::DATE END AS resolved_on,
  CASE WHEN prev.status = 'resolved' THEN prev.excluded_by END AS excluded_by,
  CASE WHEN prev.status = 'resolved' THEN prev.revocable_from END AS revocable_from)
FROM lapse_prev prev ANTI JOIN cur USING (finding_id)
) TO {{findings_file}} (FORMAT parquet);
