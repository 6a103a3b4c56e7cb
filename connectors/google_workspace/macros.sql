-- Macros of the google_workspace connector, created by events() before its query runs.

-- What an event of an application is: 'use', 'denied', or NULL (neither). `count_login`: the option
-- count_google_login (sign-ins to Google itself are uses of workspace/login).
CREATE OR REPLACE MACRO google_workspace_kind(app, name, count_login) AS CASE
  WHEN app = 'saml' AND name = 'login_success' THEN 'use'
  WHEN app = 'saml' AND name = 'login_failure' THEN 'denied'
  WHEN app = 'token' AND name IN ('authorize', 'activity') THEN 'use'
  WHEN app = 'login' AND count_login AND name = 'login_success' THEN 'use'
  WHEN app = 'login' AND count_login AND name = 'login_failure' THEN 'denied'
END;

-- An activity's fields as JSON fragments, the activity parsed once (lapse_json_str and lapse_json_scalar,
-- connectors/_shared/json-records.ts, read them without parsing again).
CREATE OR REPLACE MACRO google_workspace_activity(rec) AS json_transform(rec,
  '{"id":{"time":"JSON","applicationName":"JSON","uniqueQualifier":"JSON"},"actor":{"email":"JSON","callerType":"JSON"},'
  || '"events":"JSON","name":"JSON","parameters":"JSON","kind":"JSON"}');

-- The events of an activity as a list of {name, parameters} (JSON fragments): the API's array, Elastic's one
-- object, or Panther's flattening (a string `name` and `parameters` at the top level); else empty.
CREATE OR REPLACE MACRO google_workspace_events(events, flat_name, flat_params) AS CASE
  WHEN starts_with(events::VARCHAR, '[') THEN json_transform(events, '[{"name":"JSON","parameters":"JSON"}]')
  WHEN starts_with(events::VARCHAR, '{') THEN [json_transform(events, '{"name":"JSON","parameters":"JSON"}')]
  WHEN flat_name IS NOT NULL THEN [{'name': to_json(flat_name), 'parameters': flat_params}]
  ELSE [] END;

-- An event's parameters, parsed once: the API's list [{name, value | intValue | …}] as a list of
-- {name, value, intValue} JSON fragments, or Panther's {name: value} object as it is. lapse_json_* come
-- from connectors/_shared/json-records.ts.
CREATE OR REPLACE MACRO google_workspace_params(params) AS {
  'list': CASE WHEN starts_with(params::VARCHAR, '[')
    THEN json_transform(params, '[{"name":"JSON","value":"JSON","intValue":"JSON"}]') END,
  'object': CASE WHEN starts_with(params::VARCHAR, '{') THEN params END};

-- The value of a list element named `key`, if it has one (value, else intValue). `key` is a constant of
-- letters and underscores, and DuckDB writes a fragment's string anew (`application\u005fname` becomes
-- `application_name`): a name is compared as JSON text, not decoded.
CREATE OR REPLACE MACRO google_workspace_value(p, key) AS
  CASE WHEN p.name::VARCHAR = '"' || key || '"' THEN coalesce(lapse_json_scalar(p.value), lapse_json_scalar(p.intValue)) END;

-- A parameter's text value (google_workspace_params): the first element named `key` with a value; a value
-- of another JSON type (an object, a list) is no value. The first two elements are looked at without a
-- lambda (most events have two or three parameters); coalesce reads the rest only where they gave none.
CREATE OR REPLACE MACRO google_workspace_param(params, key) AS CASE
  WHEN params.list IS NOT NULL THEN coalesce(
    google_workspace_value(params.list[1], key),
    google_workspace_value(params.list[2], key),
    CASE WHEN len(params.list) > 2 THEN
      list_filter(list_transform(params.list[3:], p -> google_workspace_value(p, key)), v -> v IS NOT NULL)[1] END)
  WHEN params.object IS NOT NULL THEN lapse_json_scalar(params.object -> ('$."' || key || '"'))
END;
