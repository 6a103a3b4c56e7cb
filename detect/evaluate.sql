-- Judges every grant as of a day: flagged (stale, never_used, terminated, team_move, cold_start_anomaly) or not,
-- and which rule or guard excludes it from action. Tables are kept narrow (ids, days, flags): with
-- ten million grants, every extra column is memory; descriptive columns are joined for findings only.
-- Inputs: lapse_grants, lapse_people, lapse_sources (aggregate/load.sql), lapse_last_use (aggregate/rollup.ts:
--         last use and newest use days per grant); lapse_resolve
--         (detect/resolve.sql); lapse_person_context (detect/people.sql: leave, on-call shifts, team moves);
--         lapse_grant_rules(system, principal, permission, rule, ttl_days, emergency_only, periodic, on_call,
--         description) (detect/rules/grants.sql: the winning permission rule per grant);
--         lapse_system_rules(system, ttl_days, max_lag_days, unobserved_via), lapse_protected(value), lapse_exemptions(exemption_id,
--         system, permission (a name or glob), principal, person, team, owner, reason, until) — the ones active on
--         the as-of day, team rows expanded to members by detect/rules/grants.sql — (detect/rules/config.ts);
--         the macros lapse_finding_id, lapse_excluded_by and lapse_exemption_covers (detect/rules/registry.ts).
-- Parameters: $as_of (DATE), $default_ttl, $default_lag, $min_team_size (INTEGER), $anomaly_threshold
--             (DOUBLE), $move_grace (INTEGER), $old_team_share, $new_team_share (DOUBLE), $min_holders (INTEGER);
--             the rhythm's (core/rhythm.ts, detect/suggest.ts): $recent_days, $episode_gap, $regular_days,
--             $max_ttl (INTEGER), $margin (DOUBLE).
-- Output: lapse_eval, a view with one row per grant, over lapse_judged, lapse_baseline, lapse_team_moves and
--         lapse_unobserved.

-- Leave days from the day after `since` to each period's end (the TTL clock pauses for them). The rhythm's
-- macros (lapse_gaps, lapse_regular_until, lapse_longest_gap) are core/rhythm.ts RHYTHM_MACROS.
CREATE OR REPLACE TEMP MACRO lapse_leave_days(leave, since) AS
  coalesce(list_sum(list_transform(leave,
    l -> greatest(date_diff('day', greatest(l.from_day, since + 1), l.to_day) + 1, 0))), 0)::BIGINT;

-- One human's several ids in a system count as one: for a person with more than one id there, the last use
-- per permission over all of them, and their newest use days merged (as the rollup merges them) with the
-- rhythm recomputed (regular_until: when its last use is a lone stray after regular use, where its TTL clock
-- may start instead; longest_gap, the longest silence it came back from). Everyone else's grants read
-- lapse_last_use (aggregate/rollup.sql: principals lower-case, one row per id and permission) directly.
CREATE OR REPLACE TEMP TABLE lapse_use AS
SELECT system, subject, permission, last_used,
  CASE WHEN ids > 1 THEN lapse_regular_until(used, gaps, $episode_gap, $regular_days) ELSE regular_until END AS regular_until,
  CASE WHEN ids > 1 THEN lapse_longest_gap(used, gaps, $episode_gap, $regular_days) ELSE longest_gap END AS longest_gap
FROM (
  SELECT *, lapse_gaps(used) AS gaps FROM (
    SELECT u.system, r.person AS subject, u.permission, max(u.last_used) AS last_used, count(*) AS ids,
      any_value(u.regular_until) AS regular_until, any_value(u.longest_gap) AS longest_gap,
      list_slice(list_sort(list_distinct(flatten(list(u.recent_days)))), -$recent_days, -1) AS used
    FROM lapse_last_use u JOIN lapse_resolve r ON r.system = u.system AND r.native = u.principal
    SEMI JOIN (SELECT system, person FROM lapse_resolve GROUP BY ALL HAVING count(*) > 1) s
      ON s.system = r.system AND s.person = r.person
    GROUP BY ALL
  )
);

CREATE OR REPLACE TEMP TABLE lapse_judged AS
SELECT system, principal, permission, granted_at, grant_day, via, person, team, last_used, ttl_days, rule_ttl_days,
  emergency_only, protected, silent, observed_days, on_leave, leave_days, in_rotation, from_team, moved_on, days_unused,
  unobserved_via_match, regular_until, longest_gap, stray,
  -- Young enough to be judged by its peers (cold start): granted within its TTL, or of unknown age on a
  -- system observed for less (a grant known to be old is judged by its use, even on a young system).
  CASE WHEN grant_day IS NULL THEN observed_days <= rule_ttl_days ELSE grant_day > $as_of::DATE - rule_ttl_days END AS young,
  CASE
    WHEN status = 'terminated' THEN 'terminated'
    -- An on-call permission is kept while its holder is in the rotation.
    WHEN in_rotation THEN NULL
    WHEN last_used IS NOT NULL AND days_unused > ttl_days THEN 'stale'
    WHEN last_used IS NULL AND days_unused > ttl_days THEN 'never_used'
    -- Held back by the observation window: old enough to judge, but the logs are too short.
    WHEN last_used IS NULL AND observed_days <= ttl_days
         AND (granted_at IS NULL OR date_diff('day', granted_at, $as_of) > ttl_days) THEN 'never_used'
  END AS ttl_kind
FROM (
  SELECT * EXCLUDE (plain_leave, plain_unused, stray_since),
    -- A lone stray use does not restart the clock: when only the stray keeps the grant within its TTL,
    -- the clock runs from its regular use's end (a grant stale even counting the stray is plainly stale).
    CASE WHEN stray THEN lapse_leave_days(leave, stray_since) ELSE plain_leave END AS leave_days,
    CASE WHEN stray THEN date_diff('day', stray_since, $as_of) - lapse_leave_days(leave, stray_since)
         ELSE plain_unused END AS days_unused
  FROM (
    -- (A leaver's grant is flagged whatever its use: its days are counted plainly.)
    SELECT *, coalesce(stray_since IS NOT NULL AND plain_unused <= ttl_days AND status <> 'terminated', false) AS stray
    FROM (
      SELECT *,
        -- The TTL clock pauses for the days of leave since it started.
        date_diff('day', unused_since, $as_of) - plain_leave AS plain_unused
      FROM (
        SELECT *, lapse_leave_days(leave, unused_since) AS plain_leave,
          CASE WHEN regular_until IS NOT NULL THEN greatest(regular_until, shift_end) END AS stray_since,
          -- The TTL, or longer for a grant whose own rhythm is longer: it came back from a silence of
          -- longest_gap days before, so it is stale only after more than $margin times that (at most
          -- $max_ttl days). Not for on-call access: the rotation, not the use, sets its rhythm.
          CASE WHEN longest_gap IS NOT NULL AND NOT on_call
               THEN greatest(rule_ttl_days, least(ceil($margin * longest_gap)::INTEGER, $max_ttl))
               ELSE rule_ttl_days END AS ttl_days
        FROM (
          SELECT *,
            -- Unused since the last use (or an on-call holder's last shift, if later); a never-used grant since
            -- it was granted, but never before the logs began: lapse cannot claim non-use it did not observe.
            CASE WHEN last_used IS NOT NULL THEN greatest(last_used, shift_end)
                 ELSE greatest(coalesce(granted_at, first_day), first_day, shift_end) END AS unused_since,
            newest_day IS NULL OR date_diff('day', newest_day, $as_of) > max_lag_days AS silent,
            coalesce(date_diff('day', first_day, $as_of), 0) AS observed_days,
            -- The grant's day: granted_at, else the first snapshot showing it; null when it was in the system's
            -- first snapshot (it predates lapse: its age is unknown).
            coalesce(granted_at, nullif(first_seen, first_snapshot)) AS grant_day
          FROM (
            SELECT
              g.system, g.principal, g.permission, g.granted_at, g.first_seen, fs.first_snapshot, g.via, r.person, p.team,
              p.status, s.first_day, s.newest_day,
              CASE WHEN m.subject IS NULL THEN u.last_used ELSE m.last_used END AS last_used,
              CASE WHEN m.subject IS NULL THEN u.regular_until ELSE m.regular_until END AS regular_until,
              CASE WHEN m.subject IS NULL THEN u.longest_gap ELSE m.longest_gap END AS longest_gap,
              coalesce(pr.ttl_days, sr.ttl_days, $default_ttl) AS rule_ttl_days, coalesce(pr.on_call, false) AS on_call,
              coalesce(pr.emergency_only, false) AS emergency_only,
              coalesce(sr.max_lag_days, $default_lag) AS max_lag_days,
              -- A grant the system's logs cannot show in use (an Azure Reader role: the activity log has no reads).
              -- CASE, so that only such systems' grants pay for the (per-row) pattern.
              CASE WHEN sr.unobserved_via IS NOT NULL AND g.via IS NOT NULL THEN regexp_full_match(g.via, sr.unobserved_via)
                   ELSE false END AS unobserved_via_match,
              x.value IS NOT NULL OR lower(p.email) IN (SELECT value FROM lapse_protected)
                OR lower(p.id) IN (SELECT value FROM lapse_protected) AS protected,
              c.leave, coalesce(c.on_leave, false) AS on_leave, c.from_team, c.moved_on,
              CASE WHEN pr.on_call THEN c.last_shift_end END AS shift_end,
              coalesce(pr.on_call AND c.in_rotation, false) AS in_rotation
            FROM (SELECT *, lower(principal) AS native FROM lapse_grants) g
            LEFT JOIN lapse_resolve r ON r.system = g.system AND r.native = g.native
            LEFT JOIN lapse_people p ON p.id = r.person
            LEFT JOIN lapse_last_use u ON u.system = g.system AND u.permission = g.permission AND u.principal = g.native
            LEFT JOIN lapse_use m ON m.system = g.system AND m.permission = g.permission AND m.subject = r.person
            LEFT JOIN (SELECT DISTINCT value FROM lapse_protected) x ON x.value = g.native
            LEFT JOIN lapse_sources s ON s.system = g.system
            LEFT JOIN lapse_system_rules sr ON sr.system = g.system
            LEFT JOIN lapse_grant_rules pr ON pr.system = g.system AND pr.principal = g.principal AND pr.permission = g.permission
            LEFT JOIN lapse_person_context c ON c.person = r.person
            LEFT JOIN (SELECT system, min(first_seen) AS first_snapshot FROM lapse_grants GROUP BY system) fs ON fs.system = g.system
          )
        )
      )
    )
  )
);
-- Cold start: a grant too new to judge by TTL (younger than its TTL, or its system observed for less), used
-- or not, is judged by how unusual it is: who else on the team and in the company holds it.
CREATE OR REPLACE TEMP TABLE lapse_baseline AS
WITH candidates AS (
  SELECT system, principal, permission, person, team FROM lapse_judged
  -- An on-call holder in the rotation holds it for the rotation, not for the team.
  WHERE ttl_kind IS NULL AND (last_used IS NULL OR young) AND NOT in_rotation
),
-- The holders of the permissions a candidate holds (only those: grouping every grant costs seconds at 10M).
holders AS (
  SELECT system, permission, person, any_value(team) AS team,
         coalesce(bool_or(last_used >= $as_of::DATE - ttl_days), false) AS recent
  FROM lapse_judged SEMI JOIN (SELECT DISTINCT system, permission FROM candidates) USING (system, permission)
  WHERE person IS NOT NULL AND ttl_kind IS DISTINCT FROM 'terminated'
  GROUP BY system, permission, person
),
-- Holders per team and company-wide, in one pass.
stats AS (
  SELECT system, permission, team, grouping(team) AS whole, count(*) AS holders, count_if(recent) AS users
  FROM holders
  GROUP BY GROUPING SETS ((system, permission, team), (system, permission))
),
team_stats AS (SELECT system, permission, team, holders, users FROM stats WHERE whole = 0),
org_stats AS (SELECT system, permission, holders FROM stats WHERE whole = 1),
team_sizes AS (SELECT team, count(*) AS size FROM lapse_people WHERE status = 'active' GROUP BY team),
org_size AS (SELECT count(*) AS size FROM lapse_people WHERE status = 'active')
SELECT *, cold_score >= $anomaly_threshold AS anomalous FROM (
SELECT c.system, c.principal, c.permission,
  coalesce(ts.size, 0) AS team_size, coalesce(t.holders, 0) AS team_holders, coalesce(t.users, 0) AS team_users,
  coalesce(o.holders, 0) AS org_holders,
  -- 1 − the smoothed share of the rest of the team holding it: the team's count plus min_team_size
  -- pseudo-people at the company rate (the person's own grant left out everywhere).
  1 - (greatest(coalesce(t.holders, 0) - 1, 0)
         + $min_team_size * greatest(coalesce(o.holders, 0) - CASE WHEN c.person IS NULL THEN 0 ELSE 1 END, 0)
           / greatest(os.size - 1, 1))
      / (greatest(coalesce(ts.size, 0) - 1, 0) + $min_team_size) AS cold_score
FROM candidates c
CROSS JOIN org_size os
LEFT JOIN team_sizes ts ON ts.team = c.team
LEFT JOIN team_stats t ON t.system = c.system AND t.permission = c.permission AND t.team = c.team
LEFT JOIN org_stats o ON o.system = c.system AND o.permission = c.permission
);

-- Team moves: a mover's grant that predates the move (or whose age is unknown), held by more than
-- old_team_share of the old team and by at most new_team_share of the new team's other members, once the
-- move is move_grace days old. Team sizes count everyone not terminated.
CREATE OR REPLACE TEMP TABLE lapse_team_moves AS
WITH movers AS (
  SELECT system, principal, permission, person, team, from_team, moved_on FROM lapse_judged
  -- A grant stale only by a lone stray use is judged as a move too: the move explains the silence better.
  WHERE moved_on IS NOT NULL AND (ttl_kind IS NULL OR (ttl_kind = 'stale' AND stray))
    AND date_diff('day', moved_on, $as_of) >= $move_grace
    AND (grant_day IS NULL OR grant_day < moved_on)
),
held AS (
  SELECT system, permission, team, count(DISTINCT person) AS holders
  FROM lapse_judged SEMI JOIN (SELECT DISTINCT system, permission FROM movers) USING (system, permission)
  WHERE person IS NOT NULL AND ttl_kind IS DISTINCT FROM 'terminated'
  GROUP BY ALL
),
sizes AS (SELECT team, count(*) AS size FROM lapse_people WHERE status <> 'terminated' GROUP BY team)
SELECT * FROM (
  SELECT m.system, m.principal, m.permission, m.from_team, m.moved_on,
    coalesce(o.holders, 0) / greatest(coalesce(os.size, 0), 1) AS old_team_share,
    greatest(coalesce(n.holders, 0) - 1, 0) / greatest(coalesce(ns.size, 0) - 1, 1) AS new_team_share,
    coalesce(os.size, 0) AS old_team_size
  FROM movers m
  LEFT JOIN held o ON o.system = m.system AND o.permission = m.permission AND o.team = m.from_team
  LEFT JOIN held n ON n.system = m.system AND n.permission = m.permission AND n.team = m.team
  LEFT JOIN sizes os ON os.team = m.from_team
  LEFT JOIN sizes ns ON ns.team = m.team
)
WHERE old_team_size >= 2 AND old_team_share > $old_team_share AND new_team_share <= $new_team_share;

-- Permissions no holder has used in a window longer than their TTL while the logs are healthy: nothing
-- shows their use is logged at all. With min_holders or more holders, more likely unlogged than unused by
-- all (guard unobserved_permission); with at least half as many, a never-used finding is of medium confidence.
CREATE OR REPLACE TEMP TABLE lapse_unobserved AS
SELECT system, permission, count(*) AS holders, count(*) >= $min_holders AS guarded, count(*) * 2 >= $min_holders AS suspect
FROM lapse_judged
GROUP BY system, permission
HAVING count(last_used) = 0 AND bool_and(NOT silent AND observed_days > ttl_days);

-- A view: lifecycle reads its findings, sources its counts, explain one person's rows; each reads it
-- once, so the ten-million-row result is never stored twice.
CREATE OR REPLACE TEMP VIEW lapse_eval AS
WITH flagged AS (
  SELECT j.* EXCLUDE (ttl_kind), b.team_size, b.team_holders, b.team_users, b.org_holders, b.cold_score,
    t.old_team_share, t.new_team_share, coalesce(uo.guarded, false) AS unobserved, coalesce(uo.suspect, false) AS unobserved_suspect,
    uo.holders AS unobserved_holders,
    -- A team move outranks staleness that rests on a stray (both await a person's decision).
    coalesce(CASE WHEN j.ttl_kind = 'stale' AND j.stray AND t.from_team IS NOT NULL THEN 'team_move' END, j.ttl_kind,
             CASE WHEN t.from_team IS NOT NULL THEN 'team_move' END,
             CASE WHEN b.anomalous THEN 'cold_start_anomaly' END) AS kind
  FROM lapse_judged j
  LEFT JOIN lapse_baseline b USING (system, principal, permission)
  LEFT JOIN lapse_team_moves t USING (system, principal, permission)
  LEFT JOIN lapse_unobserved uo USING (system, permission)
),
-- Exemptions that cover a grant (by its principal or its person), the longest-running first. Matched
-- from the judged grants, so `flagged` is read once (streamed, not materialized).
exempted AS (
  SELECT j.system, j.principal, j.permission,
         arg_max(x.exemption_id, x.until) AS exemption_id,
         arg_max(x.reason || ' (exemption ' || x.exemption_id || ', owner ' || x.owner || ', until ' || x.until || ')', x.until)
           AS exemption_text
  FROM lapse_exemptions x
  JOIN lapse_judged j ON j.system = x.system
   AND lapse_exemption_covers(x.permission, x.principal, x.person, x.team, j.permission, j.principal, j.person, j.team)
  GROUP BY ALL
)
SELECT f.*,
  -- Only flagged grants need an id (lapse_finding_id: core/findings.ts findingId, by detect/rules/registry.ts).
  CASE WHEN f.kind IS NOT NULL THEN lapse_finding_id(f.system, f.principal, f.permission) END AS finding_id,
  x.exemption_id, x.exemption_text,
  -- Which rule or guard keeps a flagged grant from action: each one's condition, under its id in
  -- core/rules.ts; the registry's order decides between them, and which of them hold a leaver's grant.
  lapse_excluded_by(f.kind,
    protected_principal := f.protected,
    exemption := x.exemption_id IS NOT NULL,
    emergency_only := f.emergency_only,
    on_leave := f.on_leave,
    source_freshness := f.silent,
    observation_window := (f.kind = 'never_used' AND f.observed_days <= f.ttl_days)
      OR (f.unobserved_via_match AND f.kind IN ('stale', 'never_used')),
    unobserved_permission := f.kind = 'never_used' AND f.unobserved
  ) AS excluded_by
FROM flagged f
LEFT JOIN exempted x USING (system, principal, permission);

DROP TABLE lapse_use;
