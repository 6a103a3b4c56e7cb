-- Okta System Log events → permission uses: a successful sign-in to an app is a use of the app assignment.
-- Input:  okta_records (file, ord, sub, rec JSON, raw, bad): one row per System Log event (json-records.ts).
-- Output: EVENT_COLUMNS (connectors/_shared/define.ts), one row per input record.
-- Parameters: $use_events (VARCHAR[]): the eventTypes that are uses (default ['user.authentication.sso']).
-- Event fields: https://developer.okta.com/docs/reference/api/system-log/#logevent-object
-- Panther's copies lower-case the top-level keys (`eventtype`), so both spellings are read.
WITH
-- Okta's log streaming to Amazon EventBridge wraps each event: {"detail-type": "SystemLog", "detail": {event}}.
-- The string test keeps plain events to one parse.
events AS (
  SELECT file, ord, sub, raw, bad,
    CASE WHEN bad IS NULL AND contains(rec, '"detail-type"') AND json_type(rec, '$."detail-type"') = 'VARCHAR'
              AND json_type(rec, '$.detail') = 'OBJECT' THEN rec -> '$.detail' ELSE rec END AS rec
  FROM okta_records
),
-- One parse of the whole event; the fields are small fragments, parsed again cheaply.
fragments AS (
  SELECT file, ord, sub, raw, bad,
    CASE WHEN bad IS NULL THEN json_extract(rec, [
      '$."published"', '$."eventType"', '$."eventtype"', '$."uuid"', '$."actor"', '$."outcome"', '$."target"']) END AS f
  FROM events
),
fields AS (
  SELECT file, ord, sub, raw, bad,
    f[1] ->> '$' AS time_text,
    coalesce(f[2] ->> '$', f[3] ->> '$') AS event_type,
    f[4] ->> '$' AS event_id,
    f[5] ->> '$.alternateId' AS login,
    nullif(f[5] ->> '$.type', 'User') AS actor_type,
    upper(f[6] ->> '$.result') AS result,
    f[7] AS targets,
    -- A field present with another JSON type than the format's makes the record malformed.
    list_bool_or([json_type(f[2]) NOT IN ('VARCHAR', 'NULL'), json_type(f[3]) NOT IN ('VARCHAR', 'NULL')])
      AS bad_event_type,
    list_bool_or([
      json_type(f[5]) NOT IN ('OBJECT', 'NULL'), json_type(f[6]) NOT IN ('OBJECT', 'NULL'),
      json_type(f[7]) NOT IN ('ARRAY', 'NULL'), json_type(f[5], '$.alternateId') NOT IN ('VARCHAR', 'NULL'),
      json_type(f[5], '$.type') NOT IN ('VARCHAR', 'NULL'), json_type(f[6], '$.result') NOT IN ('VARCHAR', 'NULL')
    ]) AS wrong_type
  FROM fragments
),
uses AS (
  SELECT *,
    -- lapse_time throws on epoch numbers beyond TIMESTAMPTZ; such a value is a bad time, not a crash.
    CASE WHEN regexp_full_match(time_text, '-?[0-9]+(\.[0-9]+)?') AND abs(time_text::DOUBLE) >= 1e20 THEN NULL
         ELSE lapse_time(time_text) END AS t,
    -- Logins are case-insensitive in Okta; the directory matches e-mails in lower case.
    CASE WHEN lower(login) IN ('', 'unknown', 'anonymous') THEN NULL
         WHEN contains(login, '@') THEN lower(login) ELSE login END AS principal,
    coalesce(list_contains($use_events, event_type), false) AS is_use,
    -- The app is the first target of type AppInstance (an SSO event also names the AppUser).
    CASE WHEN list_contains($use_events, event_type) AND json_type(targets) = 'ARRAY' THEN
      list_filter(json_extract(targets, '$[*]'),
                  x -> json_extract_string(x, '$.type') = 'AppInstance' AND json_type(x, '$.id') = 'VARCHAR')[1]
    END AS app
  FROM fields
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
      WHEN app ->> '$.id' IS NULL THEN 'missing_app'
    END AS drop_reason
  FROM uses
)
SELECT file, ord, sub, t AS time, principal,
  'app/' || (app ->> '$.id') AS permission,
  event_type AS action,
  app ->> '$.displayName' AS resource,
  event_id,
  drop_reason,
  coalesce(drop_reason IN ('malformed_json', 'not_an_object', 'missing_time', 'bad_time', 'missing_event_type',
                           'wrong_type', 'missing_app'), false) AS quarantine,
  raw
FROM judged
