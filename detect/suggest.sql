-- Usage-rhythm statistics per (team, system, permission), and per (system, permission) over all teams,
-- from which detect/suggest.ts proposes a TTL and spots periodic permissions. One pass over the history.
-- Inputs: lapse_gaps, lapse_subjects, lapse_subject_ids, lapse_permission_ids (detect/gaps.sql);
--         lapse_grants, lapse_sources (aggregate/load.sql); lapse_system_rules (detect/rules/config.ts);
--         lapse_rule_winners (detect/rules/match.sql, over lapse_permission_ids): a team's group reads the
--         rule its members get (a team-scoped one first), the 'all' and no-team groups the unscoped one.
-- Parameters: $default_ttl (INTEGER), $episode_gap_days (INTEGER): a silence longer than this starts a
--         new episode (a burst of use); $quantile (DOUBLE, e.g. 0.95): the nearest-rank percentile.
-- Output: one row per group of subjects (see gaps.sql): grp is 'team:<team>', 'none' (unresolved
--         principals) or 'all' (every subject of the permission).
WITH
per_subject AS (
  SELECT pid, sid,
         count(*) FILTER (WHERE gap IS DISTINCT FROM 0) AS active_days,
         max(gap) AS longest_gap,
         max(day) AS last_day,
         count(*) FILTER (WHERE gap IS NULL OR gap > $episode_gap_days) AS episodes
  FROM lapse_gaps
  GROUP BY ALL
),
-- Episodes (bursts of use) start after a silence longer than $episode_gap_days. An episode ends on the
-- day before the next one's silence began (next start − its gap), the last one on the last active day.
-- cycle: days from an episode's start to the next one's.
cycles AS (
  SELECT e.pid, e.sid,
         date_diff('day', e.day, lead(e.day) OVER w) AS cycle,
         date_diff('day', e.day, coalesce(lead(e.day) OVER w - (lead(e.gap) OVER w)::INTEGER, ps.last_day)) + 1 AS episode_days
  FROM lapse_gaps e
  JOIN per_subject ps USING (pid, sid)
  WHERE e.gap IS NULL OR e.gap > $episode_gap_days
  WINDOW w AS (PARTITION BY e.pid, e.sid ORDER BY e.day)
),
-- Pooled gaps as a histogram per group (and per permission over all teams), then percentiles by rank:
-- median interpolated between the two middle gaps, p95 the nearest rank (ceil(q × n)-th smallest).
hist AS (
  SELECT g.pid, i.grp, g.gap, count(*) AS n
  FROM lapse_gaps g JOIN lapse_subject_ids i USING (sid)
  WHERE g.gap > 0
  GROUP BY ALL
),
hist_all AS (
  SELECT * FROM hist
  UNION ALL
  SELECT pid, 'all', gap, sum(n) FROM hist GROUP BY ALL
),
ranked AS (
  SELECT *, sum(n) OVER (PARTITION BY pid, grp ORDER BY gap ROWS UNBOUNDED PRECEDING) AS cum,
         sum(n) OVER (PARTITION BY pid, grp) AS total
  FROM hist_all
),
gap_stats AS (
  SELECT p.system, p.permission, r.grp, any_value(r.total) AS gaps,
         (min(gap) FILTER (WHERE cum >= (total + 1) // 2) + min(gap) FILTER (WHERE cum >= total // 2 + 1)) / 2 AS median_gap,
         min(gap) FILTER (WHERE cum >= ceil($quantile * total)) AS p95_gap
  FROM ranked r JOIN lapse_permission_ids p USING (pid)
  GROUP BY ALL
),
subject_stats AS (
  SELECT system, permission, CASE WHEN grouping(grp) = 1 THEN 'all' ELSE grp END AS grp,
         count(*) AS users,
         count(*) FILTER (WHERE active_days >= 2) AS repeat_users,
         count(*) FILTER (WHERE episodes >= 2) AS episodic_users,
         list_sort(list(longest_gap) FILTER (WHERE longest_gap > 0))[
           greatest(ceil($quantile * count(longest_gap) FILTER (WHERE longest_gap > 0)), 1)::BIGINT] AS p95_longest_gap
  FROM per_subject JOIN lapse_subject_ids USING (sid) JOIN lapse_permission_ids USING (pid)
  GROUP BY GROUPING SETS ((system, permission, grp), (system, permission))
),
cycle_stats AS (
  SELECT system, permission, CASE WHEN grouping(grp) = 1 THEN 'all' ELSE grp END AS grp,
         count(cycle) AS cycles,
         median(cycle) AS median_cycle,
         stddev_pop(cycle) / nullif(avg(cycle), 0) AS cycle_cv,
         median(episode_days) AS median_episode_days
  FROM cycles JOIN lapse_subject_ids USING (sid) JOIN lapse_permission_ids USING (pid)
  GROUP BY GROUPING SETS ((system, permission, grp), (system, permission))
),
held AS (SELECT DISTINCT g.system, g.permission, s.sid, s.grp FROM lapse_grants g JOIN lapse_subjects s USING (system, principal)),
holder_stats AS (
  SELECT system, permission, CASE WHEN grouping(grp) = 1 THEN 'all' ELSE grp END AS grp, count(DISTINCT sid) AS holders
  FROM held
  GROUP BY GROUPING SETS ((system, permission, grp), (system, permission))
),
groups AS (
  SELECT system, permission, grp FROM holder_stats
  UNION
  SELECT system, permission, grp FROM subject_stats
),
rules AS (
  SELECT g.system, g.permission, g.grp, coalesce(wt.r, wn.r) AS r
  FROM groups g
  LEFT JOIN lapse_rule_winners wt ON wt.system = g.system AND wt.permission = g.permission
    AND wt.team = CASE WHEN g.grp LIKE 'team:%' THEN substr(g.grp, 6) END
  LEFT JOIN lapse_rule_winners wn ON wn.system = g.system AND wn.permission = g.permission AND wn.team IS NULL
)
SELECT g.system, g.permission,
       CASE WHEN g.grp = 'all' THEN 'all' WHEN g.grp = 'none' THEN 'no_team' ELSE 'team' END AS scope,
       CASE WHEN g.grp LIKE 'team:%' THEN substr(g.grp, 6) END AS team,
       coalesce(h.holders, 0) AS holders,
       coalesce(u.users, 0) AS users,
       coalesce(u.repeat_users, 0) AS repeat_users,
       coalesce(u.episodic_users, 0) AS episodic_users,
       coalesce(gs.gaps, 0) AS gaps,
       gs.median_gap::DOUBLE AS median_gap,
       gs.p95_gap,
       u.p95_longest_gap,
       coalesce(c.cycles, 0) AS cycles,
       c.median_cycle::DOUBLE AS median_cycle,
       c.cycle_cv,
       c.median_episode_days::DOUBLE AS median_episode_days,
       CASE WHEN src.first_day IS NULL THEN 0 ELSE date_diff('day', src.first_day, src.newest_day) END AS observed_days,
       coalesce(pr.r.ttl_days, sr.ttl_days, $default_ttl) AS configured_ttl,
       CASE WHEN pr.r.ttl_days IS NOT NULL THEN 'permission' WHEN sr.ttl_days IS NOT NULL THEN 'system' ELSE 'default' END AS ttl_source,
       coalesce(pr.r.emergency_only, false) AS emergency_only
FROM groups g
LEFT JOIN holder_stats h USING (system, permission, grp)
LEFT JOIN subject_stats u USING (system, permission, grp)
LEFT JOIN gap_stats gs USING (system, permission, grp)
LEFT JOIN cycle_stats c USING (system, permission, grp)
LEFT JOIN lapse_sources src ON src.system = g.system
LEFT JOIN lapse_system_rules sr ON sr.system = g.system
LEFT JOIN rules pr USING (system, permission, grp)
ORDER BY g.system, g.permission, CASE WHEN g.grp = 'all' THEN 0 WHEN g.grp = 'none' THEN 2 ELSE 1 END, g.grp
