-- Validates a staged directory (people) file.
-- Input:  lapse_people_raw (file, ord, raw, bad,
--         v = [id, email, team, manager, status, aliases, start_date, leave_until]).
-- Output: one row per input record: the person, or `bad` naming why the record was refused.
SELECT
  file,
  ord,
  raw,
  CASE
    WHEN bad IS NOT NULL THEN bad
    WHEN id IS NULL THEN 'missing_id'
    WHEN email IS NULL THEN 'missing_email'
    WHEN team IS NULL THEN 'missing_team'
    WHEN status NOT IN ('active', 'terminated', 'leave') THEN 'bad_status'
    WHEN list_contains(list_transform(alias_parts, a -> strpos(a, ':') < 2), true) THEN 'bad_aliases'
    WHEN start_text IS NOT NULL AND try_cast(start_text AS DATE) IS NULL THEN 'bad_start_date'
    WHEN leave_text IS NOT NULL AND try_cast(leave_text AS DATE) IS NULL THEN 'bad_leave_until'
    WHEN leave_text IS NOT NULL AND status <> 'leave' THEN 'leave_until_without_leave'
    WHEN row_number() OVER (PARTITION BY id ORDER BY file, ord) > 1 THEN 'duplicate_id'
  END AS bad,
  id,
  email,
  team,
  manager,
  status,
  list_transform(alias_parts, a -> {'system': split_part(a, ':', 1), 'id': a[strpos(a, ':') + 1:]}) AS aliases,
  try_cast(start_text AS DATE) AS start_date,
  try_cast(leave_text AS DATE) AS leave_until
FROM (
  SELECT file, ord, raw, bad,
    nullif(trim(v[1]), '') AS id,
    nullif(trim(v[2]), '') AS email,
    nullif(trim(v[3]), '') AS team,
    nullif(trim(v[4]), '') AS manager,
    coalesce(lower(nullif(trim(v[5]), '')), 'active') AS status,
    list_filter(list_transform(string_split(coalesce(v[6], ''), ';'), a -> trim(a)), a -> a <> '') AS alias_parts,
    nullif(trim(v[7]), '') AS start_text,
    nullif(trim(v[8]), '') AS leave_text
  FROM lapse_people_raw
)
