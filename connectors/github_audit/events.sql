-- GitHub audit log entries → permission uses: an action an actor took in an organization or repository
-- is a use of their access to it.
-- Input:  github_records (file, ord, sub, rec JSON, raw, bad): one row per audit-log entry
--         (okta_system_log/json-records.ts).
-- Output: EVENT_COLUMNS (connectors/_shared/define.ts), one row per input record.
-- Parameters: $unit ('repo' | 'org'): the permission unit; $ignore (JSON text, a list of GLOB patterns):
--         actions that are not uses; $denied (JSON text, GLOB patterns): actions that record a refused attempt.
-- Times are epoch milliseconds in `@timestamp` (streaming, API) or `created_at` (older exports); Panther
-- renames `@timestamp` to `at_sign_timestamp` and writes its own time strings.
-- Fields: https://docs.github.com/en/organizations/keeping-your-organization-secure/managing-security-settings-for-your-organization/reviewing-the-audit-log-for-your-organization
WITH
fields AS (
  SELECT file, ord, sub, raw, bad,
    coalesce(v[1], v[2], v[3]) AS time_text,
    nullif(v[4], '') AS action,
    CASE WHEN trim(v[5]) NOT IN ('', '-') THEN v[5] END AS principal,
    -- `repo` (or `repository`) is `owner/name`; a bare name is completed with the org.
    CASE WHEN contains(coalesce(v[7], v[8]), '/') THEN coalesce(v[7], v[8])
         WHEN nullif(coalesce(v[7], v[8]), '') IS NOT NULL AND nullif(v[6], '') IS NOT NULL
           THEN v[6] || '/' || coalesce(v[7], v[8]) END AS repo,
    nullif(v[6], '') AS org_field,
    v[9] AS event_id,
    coalesce(v[10] = 'true', false) AS is_bot,
    v[11] AS affected_user,
    -- A field present with another JSON type than a string makes the record malformed.
    list_bool_or(list_transform(ty, x -> x NOT IN ('VARCHAR', 'NULL'))) AS wrong_type
  FROM (
    SELECT *,
      CASE WHEN bad IS NULL THEN json_extract_string(rec, [
        '$."@timestamp"', '$."at_sign_timestamp"', '$."created_at"', '$."action"', '$."actor"', '$."org"',
        '$."repo"', '$."repository"', '$."_document_id"', '$."actor_is_bot"', '$."user"']) END AS v,
      CASE WHEN bad IS NULL THEN json_type(rec, [
        '$."action"', '$."actor"', '$."org"', '$."repo"', '$."repository"', '$."user"']) END AS ty
    FROM github_records
  )
),
scoped AS (
  SELECT *,
    nullif(coalesce(org_field, split_part(repo, '/', 1)), '') AS org,
    -- Organization-level categories name the org even when the entry also carries a repo; enterprise-level
    -- ones (enterprise owners' actions) use no org or repository grant.
    regexp_matches(action, '^(org|team|org_[a-z0-9_]+|organization_[a-z0-9_]+)\.') AS org_event,
    regexp_matches(action, '^(business|enterprise)(_[a-z0-9_]+)?\.') AS enterprise_event,
    -- lapse_time throws on epoch numbers beyond TIMESTAMPTZ; such a value is a bad time, not a crash.
    CASE WHEN regexp_full_match(time_text, '-?[0-9]+(\.[0-9]+)?') AND abs(time_text::DOUBLE) >= 1e20 THEN NULL
         ELSE lapse_time(time_text) END AS t
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
      WHEN len(list_filter(from_json($denied, '["VARCHAR"]'), p -> action GLOB p)) > 0 THEN 'denied'
      WHEN len(list_filter(from_json($ignore, '["VARCHAR"]'), p -> action GLOB p)) > 0 THEN 'not_a_use'
      -- Joining (accepting an invitation) or leaving is not exercising the access.
      WHEN action IN ('org.add_member', 'org.remove_member', 'repo.add_member', 'repo.remove_member',
                      'team.add_member', 'team.remove_member')
           AND lower(affected_user) = lower(principal) THEN 'not_a_use'
      WHEN org IS NULL OR enterprise_event THEN 'no_org_or_repo'
    END AS drop_reason,
    coalesce(org_event, false) OR $unit = 'org' AS org_unit
  FROM scoped
)
SELECT file, ord, sub, t AS time, principal,
  CASE WHEN org_unit OR repo IS NULL THEN 'org/' || lower(org) ELSE 'repo/' || lower(repo) END AS permission,
  action,
  CASE WHEN org_unit THEN org ELSE coalesce(repo, org) END AS resource,
  event_id,
  drop_reason,
  coalesce(drop_reason IN ('malformed_json', 'not_an_object', 'missing_time', 'bad_time', 'missing_action', 'wrong_type'),
           false) AS quarantine,
  raw
FROM judged
