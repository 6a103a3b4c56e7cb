-- Okta System Log events → permission uses: a successful sign-in to an app is a use of the app assignment.
-- Input:  okta_fields (file, ord, sub, raw, bad, time_text, event_type, event_id, login, actor_type, result,
--         app_id, app_name, bad_event_type, wrong_type, typed_suspect, own_shape): one row per System Log
--         event, from its text (fields.sql) or from DuckDB's typed reader (typed.sql).
-- Output: EVENT_COLUMNS (connectors/_shared/define.ts), one row per input record, and `suspect` (typedLines,
--         json-records.ts): a typed line to read as text, because the typed read may not show it as it is or
--         because it is dropped without looking like an Okta event (checkFormat needs its text).
-- Parameters: $use_events (VARCHAR[]): the eventTypes that are uses (default ['user.authentication.sso']).
-- Event fields: https://developer.okta.com/docs/reference/api/system-log/#logevent-object
WITH
uses AS (
  SELECT *,
    -- An epoch number beyond TIMESTAMPTZ is a bad time, not a crash (lapse_time gives NULL).
    lapse_time(time_text) AS t,
    -- Logins are case-insensitive in Okta; the directory matches e-mails in lower case.
    CASE WHEN lower(login) IN ('', 'unknown', 'anonymous') THEN NULL
         WHEN contains(login, '@') THEN lower(login) ELSE login END AS principal,
    coalesce(list_contains($use_events, event_type), false) AS is_use
  FROM okta_fields
),
judged AS (
  SELECT *,
    CASE
      WHEN bad IS NOT NULL THEN bad
      WHEN time_text IS NULL THEN 'missing_time'
      WHEN t IS NULL OR NOT lapse_plausible(t) THEN 'bad_time'
      WHEN bad_event_type THEN 'wrong_type'
      WHEN event_type IS NULL THEN 'missing_event_type'
      WHEN NOT is_use THEN 'not_a_use'
      WHEN wrong_type THEN 'wrong_type'
      WHEN principal IS NULL THEN 'no_principal'
      WHEN actor_type IS NOT NULL OR lower(principal) = 'system@okta.com' THEN 'service_principal'
      WHEN result IN ('FAILURE', 'DENY', 'CHALLENGE') THEN 'denied'
      WHEN result IS NULL OR result NOT IN ('SUCCESS', 'ALLOW') THEN 'unknown_outcome'
      WHEN app_id IS NULL THEN 'missing_app'
    END AS drop_reason
  FROM uses
)
SELECT file, ord, sub, t AS time, principal,
  'app/' || app_id AS permission,
  event_type AS action,
  app_name AS resource,
  event_id,
  drop_reason,
  coalesce(drop_reason IN ('malformed_json', 'not_an_object', 'missing_time', 'bad_time', 'missing_event_type',
                           'wrong_type', 'missing_app'), false) AS quarantine,
  raw,
  coalesce(typed_suspect OR (drop_reason IS NOT NULL AND NOT own_shape), false) AS suspect
FROM judged
