-- GitHub audit log entries → permission uses: an action an actor took in an organization or repository
-- is a use of their access to it.
-- Input:  github_fields (file, ord, sub, raw, bad, at_timestamp, at_sign_timestamp, created_at, action, actor,
--         org, repo, repository, document_id, actor_is_bot, affected_user: text as json_extract_string gives
--         it; wrong_type, typed_suspect, own_shape): one row per audit-log entry, from its text (fields.sql)
--         or from DuckDB's typed reader (typed.sql).
-- Output: EVENT_COLUMNS (connectors/_shared/define.ts), one row per input record, and `suspect` (typedLines,
--         json-records.ts): a typed line to read as text, because the typed read may not show it as it is or
--         because it is dropped without looking like a GitHub entry (checkFormat needs its text).
-- Parameters: $unit ('repo' | 'org'): the permission unit; $ignore (JSON text, a list of GLOB patterns):
--         actions that are not uses; $denied (JSON text, GLOB patterns): actions that record a refused attempt.
-- Times are epoch milliseconds in `@timestamp` (streaming, API) or `created_at` (older exports); Panther
-- renames `@timestamp` to `at_sign_timestamp` and writes its own time strings.
-- Fields: https://docs.github.com/en/organizations/keeping-your-organization-secure/managing-security-settings-for-your-organization/reviewing-the-audit-log-for-your-organization
WITH
fields AS (
  SELECT file, ord, sub, raw, bad,
    coalesce(at_timestamp, at_sign_timestamp, created_at) AS time_text,
    nullif(action, '') AS action,
    CASE WHEN trim(actor) NOT IN ('', '-') THEN actor END AS principal,
    -- `repo` (or `repository`) is `owner/name`; a bare name is completed with the org.
    CASE WHEN contains(coalesce(repo, repository), '/') THEN coalesce(repo, repository)
         WHEN nullif(coalesce(repo, repository), '') IS NOT NULL AND nullif(org, '') IS NOT NULL
           THEN org || '/' || coalesce(repo, repository) END AS repo,
    nullif(org, '') AS org_field,
    document_id AS event_id,
    coalesce(actor_is_bot = 'true', false) AS is_bot,
    affected_user, wrong_type, typed_suspect, own_shape
  FROM github_fields
),
scoped AS (
  SELECT *,
    nullif(coalesce(org_field, split_part(repo, '/', 1)), '') AS org,
    -- Organization-level categories name the org even when the entry also carries a repo; enterprise-level
    -- ones (enterprise owners' actions) use no org or repository grant.
    -- (The prefix tests keep the regular expressions to the few actions they can match.)
    (starts_with(action, 'org') OR starts_with(action, 'team.'))
      AND regexp_matches(action, '^(org|team|org_[a-z0-9_]+|organization_[a-z0-9_]+)\.') AS org_event,
    (starts_with(action, 'business') OR starts_with(action, 'enterprise'))
      AND regexp_matches(action, '^(business|enterprise)(_[a-z0-9_]+)?\.') AS enterprise_event,
    -- An epoch number beyond TIMESTAMPTZ is a bad time, not a crash (lapse_time gives NULL).
    lapse_time(time_text) AS t
  FROM fields
),
judged AS (
  SELECT *,
    CASE
      WHEN bad IS NOT NULL THEN bad
      WHEN time_text IS NULL THEN 'missing_time'
      WHEN t IS NULL OR NOT lapse_plausible(t) THEN 'bad_time'
      WHEN wrong_type THEN 'wrong_type'
      WHEN action IS NULL THEN 'missing_action'
      WHEN principal IS NULL THEN 'no_principal'
      -- Apps act as `<name>[bot]`; `github` is GitHub itself (e.g. secret scanning alerts).
      WHEN principal LIKE '%[bot]' OR is_bot OR lower(principal) = 'github' THEN 'service_principal'
      WHEN list_contains(denied.exact, action) OR (len(denied.globs) > 0 AND list_bool_or(list_transform(denied.globs, p -> action GLOB p)))
        THEN 'denied'
      WHEN list_contains(ignored.exact, action) OR (len(ignored.globs) > 0 AND list_bool_or(list_transform(ignored.globs, p -> action GLOB p)))
        THEN 'not_a_use'
      -- Joining (accepting an invitation) or leaving is not exercising the access.
      WHEN action IN ('org.add_member', 'org.remove_member', 'repo.add_member', 'repo.remove_member',
                      'team.add_member', 'team.remove_member')
           AND lower(affected_user) = lower(principal) THEN 'not_a_use'
      WHEN org IS NULL OR enterprise_event THEN 'no_org_or_repo'
    END AS drop_reason,
    coalesce(org_event, false) OR $unit = 'org' AS org_unit
  -- The option lists, parsed once rather than per entry, and split: a name without GLOB's special characters
  -- is looked up in a list, so that an entry runs a lambda only for real patterns.
  FROM scoped, (
    SELECT {'exact': list_filter(d, p -> NOT regexp_matches(p, '[*?\[\\]')), 'globs': list_filter(d, p -> regexp_matches(p, '[*?\[\\]'))} AS denied,
      {'exact': list_filter(i, p -> NOT regexp_matches(p, '[*?\[\\]')), 'globs': list_filter(i, p -> regexp_matches(p, '[*?\[\\]'))} AS ignored
    FROM (SELECT from_json($denied, '["VARCHAR"]') AS d, from_json($ignore, '["VARCHAR"]') AS i))
)
SELECT file, ord, sub, t AS time, principal,
  CASE WHEN org_unit OR repo IS NULL THEN 'org/' || lower(org) ELSE 'repo/' || lower(repo) END AS permission,
  action,
  CASE WHEN org_unit THEN org ELSE coalesce(repo, org) END AS resource,
  event_id,
  drop_reason,
  coalesce(drop_reason IN ('malformed_json', 'not_an_object', 'missing_time', 'bad_time', 'missing_action', 'wrong_type'),
           false) AS quarantine,
  raw,
  coalesce(typed_suspect OR (drop_reason IS NOT NULL AND NOT own_shape), false) AS suspect
FROM judged
