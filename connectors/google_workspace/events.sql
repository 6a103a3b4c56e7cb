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
-- The activity parsed once (google_workspace_activity, macros.sql), its fields JSON fragments; strings only
-- (and numbers for the id): a value of another JSON type is as good as absent.
fields AS (
  SELECT file, ord, sub, raw, bad,
    lapse_json_str(d.id.time) AS time_text, lower(lapse_json_str(d.id.applicationName)) AS app,
    lower(nullif(trim(lapse_json_str(d.actor.email)), '')) AS email, lapse_json_str(d.actor.callerType) AS caller_type,
    lapse_json_scalar(d.id.uniqueQualifier) AS event_id, d.events AS events, lapse_json_str(d.name) AS flat_name,
    d.parameters AS flat_params, lapse_json_str(d.kind) AS kind_name
  FROM (SELECT *, CASE WHEN bad IS NULL THEN google_workspace_activity(rec) END AS d FROM gws_records)
),
-- The activity's events as a list of {name, parameters}: the API's array, Elastic's object, Panther's top level.
listed AS (
  SELECT *, google_workspace_events(events, flat_name, flat_params) AS evs
  FROM fields
),
-- Is (application, event name) a use, a denial, or neither: 'use' | 'denied' | NULL.
classed AS (
  SELECT *,
    list_transform(evs, e -> lapse_json_str(e.name)) AS names
  FROM listed
),
chosen AS (
  SELECT *,
    coalesce(list_position(list_transform(names, nm -> google_workspace_kind(app, nm, $count_login) IS NOT NULL), true), 1) AS pick
  FROM classed
),
picked AS (
  SELECT *, names[pick] AS event_name, google_workspace_params(evs[pick].parameters) AS params,
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
