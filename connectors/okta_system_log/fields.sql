-- Okta System Log records as text → the fields events.sql judges (the text path: jsonRecords).
-- Input:  okta_records (file, ord, sub, rec JSON, raw, bad): one row per System Log event (json-records.ts).
-- Output: okta_fields (see events.sql), one row per input record; typed_suspect and own_shape NULL.
-- Parameters: $use_events (VARCHAR[]): the eventTypes that are uses.
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
apps AS (
  SELECT *,
    -- The app is the first target of type AppInstance (an SSO event also names the AppUser).
    CASE WHEN list_contains($use_events, event_type) AND json_type(targets) = 'ARRAY' THEN
      list_filter(json_extract(targets, '$[*]'),
                  x -> json_extract_string(x, '$.type') = 'AppInstance' AND json_type(x, '$.id') = 'VARCHAR')[1]
    END AS app
  FROM fields
)
SELECT file, ord, sub, raw, bad, time_text, event_type, event_id, login, actor_type, result,
  app ->> '$.id' AS app_id, app ->> '$.displayName' AS app_name, bad_event_type, wrong_type,
  NULL::BOOLEAN AS typed_suspect, NULL::BOOLEAN AS own_shape
FROM apps
