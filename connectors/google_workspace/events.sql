-- google_workspace: Reports API activities → permission uses: a SAML sign-in to an app, an OAuth token
-- grant or use by an app, and (when configured) a sign-in to Google itself.
-- Input:  gws_records (file, ord, sub, rec JSON, raw, bad): one row per activity (json-records.ts); an
--         `activities.list` page `{"items": […]}` is expanded.
-- Output: EVENT_COLUMNS (connectors/_shared/define.ts), one row per input record.
-- Params: $count_login BOOLEAN: `login` application login_success is a use of workspace/login.
-- Three shapes: the API's (`events` an array of {type, name, parameters: [{name, value|multiValue|…}]}),
-- Elastic's one event per document (`events` an object) and Panther's flattening (type, name, and
-- `parameters` as a {name: value} object at the top level). An activity with several events is judged
-- by its first use event (else its first event).
-- https://developers.google.com/admin-sdk/reports/reference/rest/v1/activities
WITH
fields AS (
  SELECT file, ord, sub, raw, bad,
    x[1] AS time_text, lower(x[2]) AS app, lower(nullif(trim(x[3]), '')) AS email, x[4] AS caller_type,
    n[5] AS event_id, j[6] AS events, x[7] AS flat_name, j[8] AS flat_params, x[9] AS kind_name
  FROM (
    SELECT *,
      list_transform(j, v -> CASE WHEN json_type(v) = 'VARCHAR' THEN json_extract_string(v, '$') END) AS x,
      list_transform(j, v -> CASE WHEN json_type(v) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE') THEN json_extract_string(v, '$') END) AS n
    FROM (
      SELECT file, ord, sub, raw, bad,
        CASE WHEN bad IS NULL THEN json_extract(rec, ['$."id"."time"', '$."id"."applicationName"', '$."actor"."email"',
          '$."actor"."callerType"', '$."id"."uniqueQualifier"', '$."events"', '$."name"', '$."parameters"', '$."kind"']) END AS j
      FROM gws_records
    )
  )
),
-- The activity's events as a list of {name, parameters}: the API's array, Elastic's object, Panther's top level.
listed AS (
  SELECT *,
    CASE WHEN json_type(events) = 'ARRAY' THEN json_extract(events, '$[*]')
         WHEN json_type(events) = 'OBJECT' THEN [events]
         WHEN flat_name IS NOT NULL THEN [json_object('name', flat_name, 'parameters', flat_params)]
         ELSE [] END AS evs
  FROM fields
),
-- Is (application, event name) a use, a denial, or neither: 'use' | 'denied' | NULL.
classed AS (
  SELECT *,
    list_transform(evs, e -> CASE WHEN json_type(e, '$.name') = 'VARCHAR' THEN e ->> '$.name' END) AS names
  FROM listed
),
chosen AS (
  SELECT *,
    coalesce(list_position(list_transform(names, nm -> google_workspace_kind(app, nm, $count_login) IS NOT NULL), true), 1) AS pick
  FROM classed
),
picked AS (
  SELECT *, names[pick] AS event_name, evs[pick] -> '$.parameters' AS params,
    google_workspace_kind(app, names[pick], $count_login) AS kind
  FROM chosen
),
params AS (
  SELECT *,
    CASE app WHEN 'saml' THEN google_workspace_param(params, 'application_name')
             WHEN 'token' THEN google_workspace_param(params, 'client_id')
             WHEN 'login' THEN 'login' END AS target,
    google_workspace_param(params, CASE app WHEN 'token' THEN 'app_name' ELSE 'application_name' END) AS target_name
  FROM picked
),
timed AS (
  SELECT *,
    -- lapse_time throws on epoch numbers beyond TIMESTAMPTZ; such a value is a bad time, not a crash.
    CASE WHEN regexp_full_match(time_text, '-?[0-9]+(\.[0-9]+)?') AND abs(time_text::DOUBLE) >= 1e20 THEN NULL
         ELSE lapse_time(time_text) END AS t
  FROM params
),
judged AS (
  SELECT *,
    CASE
      WHEN bad IS NOT NULL THEN bad
      -- A page without activities has no `items` at all.
      WHEN kind_name = 'admin#reports#activities' THEN 'empty_list'
      WHEN app IS NULL THEN 'missing_application'
      -- Drive, Gmail, admin… activity: use of data, not of an app grant.
      WHEN NOT (app IN ('saml', 'token') OR (app = 'login' AND $count_login)) THEN 'not_a_use'
      WHEN len(evs) = 0 OR event_name IS NULL THEN 'missing_event'
      WHEN kind IS NULL THEN 'not_a_use'
      WHEN time_text IS NULL THEN 'missing_time'
      WHEN t IS NULL OR NOT lapse_plausible(t) THEN 'bad_time'
      WHEN email IS NULL THEN 'no_principal'
      -- Service accounts (domain-wide delegation) and Google's own callers are not people.
      WHEN email LIKE '%.gserviceaccount.com' OR caller_type IN ('KEY', 'APPLICATION') THEN 'service_principal'
      WHEN kind = 'denied' THEN 'denied'
      WHEN nullif(trim(target), '') IS NULL THEN 'missing_app'
    END AS drop_reason
  FROM timed
)
SELECT file, ord, sub, t AS time, email AS principal,
  CASE app WHEN 'saml' THEN 'saml/' WHEN 'token' THEN 'oauth/' ELSE 'workspace/' END || trim(target) AS permission,
  app || '.' || event_name AS action,
  target_name AS resource,
  event_id,
  drop_reason,
  coalesce(drop_reason IN ('malformed_json', 'not_an_object', 'missing_time', 'bad_time', 'missing_application',
                           'missing_event', 'missing_app'), false) AS quarantine,
  raw
FROM judged
