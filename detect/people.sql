-- Each person's context beyond the directory's newest snapshot: leave (the directory's status leave over its
-- history, and directory.leave's periods), on-call shifts (directory.on_call) and the newest team move.
-- Inputs: lapse_people, lapse_moves, lapse_directory_leave (aggregate); lapse_leave(who, from_day, to_day),
--         lapse_shifts(who, from_day, to_day) (detect/people.ts; `who` is a directory id or email).
-- Parameter: $as_of (DATE).
-- Output: lapse_person_context(person, leave, on_leave, last_shift_end, in_rotation, from_team, moved_on), one
--         row per person with any of it; `leave` lists the periods begun by the as-of day, ends capped at it.
CREATE OR REPLACE TEMP TABLE lapse_person_context AS
WITH who AS (
  SELECT id AS person, lower(id) AS key FROM lapse_people
  UNION
  SELECT id, lower(email) FROM lapse_people
),
periods AS (
  SELECT w.person, l.from_day, l.to_day FROM lapse_leave l JOIN who w ON w.key = lower(l.who)
  UNION ALL
  SELECT person, from_day, to_day FROM lapse_directory_leave
),
leave AS (
  SELECT person,
    list({'from_day': from_day, 'to_day': least(coalesce(to_day, $as_of::DATE), $as_of::DATE)} ORDER BY from_day) AS leave,
    bool_or(coalesce(to_day, $as_of::DATE) >= $as_of::DATE) AS on_leave
  FROM periods
  WHERE from_day <= $as_of::DATE
  GROUP BY person
),
shifts AS (
  SELECT w.person,
    max(least(coalesce(s.to_day, $as_of::DATE), $as_of::DATE)) FILTER (WHERE s.from_day <= $as_of::DATE) AS last_shift_end,
    -- In the rotation: a shift now or to come.
    bool_or(coalesce(s.to_day, $as_of::DATE) >= $as_of::DATE) AS in_rotation
  FROM lapse_shifts s JOIN who w ON w.key = lower(s.who)
  GROUP BY w.person
)
SELECT p.id AS person, l.leave, coalesce(l.on_leave, false) AS on_leave, s.last_shift_end,
       coalesce(s.in_rotation, false) AS in_rotation, m.from_team, m.moved_on
FROM lapse_people p
LEFT JOIN leave l ON l.person = p.id
LEFT JOIN shifts s ON s.person = p.id
LEFT JOIN lapse_moves m ON m.person = p.id
WHERE l.person IS NOT NULL OR s.person IS NOT NULL OR m.person IS NOT NULL;
