-- google_workspace: activities → permission uses: a SAML sign-in to an app, an OAuth token grant or use
-- by an app, and (when configured) a sign-in to Google itself.
-- Input:  listed (text.sql or typed.sql). The PARAMS slot: the picked event's parameters as
--         google_workspace_params gives them (connector.ts fills it per path: a constant, never input).
-- Output: a list of CTEs and the final SELECT of EVENT_COLUMNS (connectors/_shared/define.ts), one row
--         per activity, appended after `listed`.
-- Params: $count_login BOOLEAN: `login` application login_success is a use of workspace/login.
-- An activity with several events is judged by its first use event (else its first event).
-- https://developers.google.com/admin-sdk/reports/reference/rest/v1/activities
-- The event judged: the first whose (application, name) is a use or a denial (google_workspace_kind), else
-- the first. Most activities hold one event: the lambda runs only for the others (a CASE branch runs only
-- for its rows).
chosen AS (
  SELECT *,
    CASE WHEN len(evs) < 2 THEN 1 ELSE coalesce(list_position(
      list_transform(evs, e -> google_workspace_kind(app, lapse_json_str(e.name), $count_login) IS NOT NULL), true), 1) END AS pick
  FROM listed
),
picked AS (
  SELECT *, event_name, {{PARAMS}} AS params, google_workspace_kind(app, event_name, $count_login) AS kind
  FROM (SELECT *, lapse_json_str(evs[pick].name) AS event_name FROM chosen)
),
params AS (
  SELECT *,
    CASE app WHEN 'saml' THEN google_workspace_param(params, 'application_name')
             WHEN 'token' THEN google_workspace_param(params, 'client_id')
             WHEN 'login' THEN 'login' END AS target
  FROM picked
),
timed AS (
  SELECT *,
    -- A SAML event's app name is its target (application_name), not looked up twice.
    CASE app WHEN 'saml' THEN target WHEN 'token' THEN google_workspace_param(params, 'app_name')
             ELSE google_workspace_param(params, 'application_name') END AS target_name,
    -- An epoch number beyond TIMESTAMPTZ is a bad time, not a crash (lapse_time gives NULL).
    lapse_time(time_text) AS t
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
