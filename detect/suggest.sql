-- Usage-rhythm statistics per (team, system, permission), and per (system, permission) over all teams,
-- from which detect/suggest.ts proposes a TTL and spots periodic permissions. One pass over the history.
-- Inputs: lapse_active_days(system, principal, permission, day) (aggregate/history.sql); lapse_grants,
--         lapse_people, lapse_sources (aggregate/load.sql); lapse_system_rules, lapse_permission_rules
--         (detect/rules.ts); lapse_resolve (detect/resolve.sql).
-- Parameters: $default_ttl (INTEGER), $episode_gap_days (INTEGER): a silence longer than this starts a
--         new episode (a burst of use); $quantile (DOUBLE, e.g. 0.95): the nearest-rank percentile.
-- Output: one row per group. A "subject" is a person, or an unresolved principal ('principal:<id>'),
--         resolved as in evaluate.sql: the system's alias first, then the email, case-insensitively.
--         grp is 'team:<team>', 'none' (unresolved principals) or 'all' (every subject of the permission).
WITH
principals AS (
  SELECT system, principal FROM lapse_active_days
  UNION
  SELECT system, principal FROM lapse_grants
),
resolved AS (
  SELECT n.system, n.principal,
         coalesce(r.person, 'principal:' || lower(n.principal)) AS subject,
         CASE WHEN r.person IS NULL THEN 'none' ELSE 'team:' || p.team END AS grp
  FROM principals n
  LEFT JOIN lapse_resolve r ON r.system = n.system AND r.native = lower(n.principal)
  LEFT JOIN lapse_people p ON p.id = r.person
),
-- Integer ids for subjects and permissions, so the pass over every row sorts and groups small keys.
subject_ids AS (SELECT subject, grp, row_number() OVER () AS sid FROM (SELECT DISTINCT subject, grp FROM resolved)),
subjects AS (SELECT r.system, r.principal, i.sid, i.grp FROM resolved r JOIN subject_ids i USING (subject, grp)),
permission_ids AS (
  SELECT system, permission, row_number() OVER () AS pid
  FROM (SELECT DISTINCT system, permission FROM lapse_active_days UNION SELECT system, permission FROM lapse_grants)
),
-- One row per day a subject used a permission. Several native ids of one person used on one day give
-- several rows, hence gaps of 0 below: the same day, not a gap.
days AS (
  SELECT p.pid, s.sid, a.day
  FROM lapse_active_days a
  JOIN subjects s ON s.system = a.system AND s.principal = a.principal
  JOIN permission_ids p ON p.system = a.system AND p.permission = a.permission
),
-- gap: days since the subject's previous active day (NULL on the first one): the one window over every row.
gaps AS (
  SELECT *, date_diff('day', lag(day) OVER (PARTITION BY pid, sid ORDER BY day), day) AS gap
  FROM days
),
per_subject AS (
  SELECT pid, sid,
         count(*) FILTER (WHERE gap IS DISTINCT FROM 0) AS active_days,
         max(gap) AS longest_gap,
         max(day) AS last_day,
         count(*) FILTER (WHERE gap IS NULL OR gap > $episode_gap_days) AS episodes
  FROM gaps
  GROUP BY ALL
),
-- Episodes (bursts of use) start after a silence longer than $episode_gap_days. An episode ends on the
-- day before the next one's silence began (next start − its gap), the last one on the last active day.
-- cycle: days from an episode's start to the next one's.
cycles AS (
  SELECT e.pid, e.sid,
         date_diff('day', e.day, lead(e.day) OVER w) AS cycle,
         date_diff('day', e.day, coalesce(lead(e.day) OVER w - (lead(e.gap) OVER w)::INTEGER, ps.last_day)) + 1 AS episode_days
  FROM gaps e
  JOIN per_subject ps USING (pid, sid)
  WHERE e.gap IS NULL OR e.gap > $episode_gap_days
  WINDOW w AS (PARTITION BY e.pid, e.sid ORDER BY e.day)
),
-- Pooled gaps as a histogram per group (and per permission over all teams), then percentiles by rank:
-- median interpolated between the two middle gaps, p95 the nearest rank (ceil(q × n)-th smallest).
hist AS (
  SELECT g.pid, i.grp, g.gap, count(*) AS n
  FROM gaps g JOIN subject_ids i USING (sid)
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
  FROM ranked r JOIN permission_ids p USING (pid)
  GROUP BY ALL
),
subject_stats AS (
  SELECT system, permission, CASE WHEN grouping(grp) = 1 THEN 'all' ELSE grp END AS grp,
         count(*) AS users,
         count(*) FILTER (WHERE active_days >= 2) AS repeat_users,
         count(*) FILTER (WHERE episodes >= 2) AS episodic_users,
         list_sort(list(longest_gap) FILTER (WHERE longest_gap > 0))[
           greatest(ceil($quantile * count(longest_gap) FILTER (WHERE longest_gap > 0)), 1)::BIGINT] AS p95_longest_gap
  FROM per_subject JOIN subject_ids USING (sid) JOIN permission_ids USING (pid)
  GROUP BY GROUPING SETS ((system, permission, grp), (system, permission))
),
cycle_stats AS (
  SELECT system, permission, CASE WHEN grouping(grp) = 1 THEN 'all' ELSE grp END AS grp,
         count(cycle) AS cycles,
         median(cycle) AS median_cycle,
         stddev_pop(cycle) / nullif(avg(cycle), 0) AS cycle_cv,
         median(episode_days) AS median_episode_days
  FROM cycles JOIN subject_ids USING (sid) JOIN permission_ids USING (pid)
  GROUP BY GROUPING SETS ((system, permission, grp), (system, permission))
),
held AS (SELECT DISTINCT g.system, g.permission, s.sid, s.grp FROM lapse_grants g JOIN subjects s USING (system, principal)),
holder_stats AS (
  SELECT system, permission, CASE WHEN grouping(grp) = 1 THEN 'all' ELSE grp END AS grp, count(DISTINCT sid) AS holders
  FROM held
  GROUP BY GROUPING SETS ((system, permission, grp), (system, permission))
),
groups AS (
  SELECT system, permission, grp FROM holder_stats
  UNION
  SELECT system, permission, grp FROM subject_stats
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
       coalesce(pr.ttl_days, sr.ttl_days, $default_ttl) AS configured_ttl,
       CASE WHEN pr.ttl_days IS NOT NULL THEN 'permission' WHEN sr.ttl_days IS NOT NULL THEN 'system' ELSE 'default' END AS ttl_source,
       coalesce(pr.emergency_only, false) AS emergency_only
FROM groups g
LEFT JOIN holder_stats h USING (system, permission, grp)
LEFT JOIN subject_stats u USING (system, permission, grp)
LEFT JOIN gap_stats gs USING (system, permission, grp)
LEFT JOIN cycle_stats c USING (system, permission, grp)
LEFT JOIN lapse_sources src ON src.system = g.system
LEFT JOIN lapse_system_rules sr ON sr.system = g.system
LEFT JOIN lapse_permission_rules pr ON pr.system = g.system AND pr.permission = g.permission
ORDER BY g.system, g.permission, CASE WHEN g.grp = 'all' THEN 0 WHEN g.grp = 'none' THEN 2 ELSE 1 END, g.grp
