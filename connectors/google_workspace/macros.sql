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

-- A parameter's text value: from the API's list [{name, value | intValue | …}] or Panther's {name: value}.
-- A value of another JSON type (an object, a list) is no value.
CREATE OR REPLACE MACRO google_workspace_param(params, key) AS CASE
  WHEN json_type(params) = 'ARRAY' THEN
    list_filter(
      list_transform(json_extract(params, '$[*]'),
        p -> CASE WHEN json_type(p, '$.name') = 'VARCHAR' AND (p ->> '$.name') = key THEN
               coalesce(
                 CASE WHEN json_type(p, '$.value') IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE') THEN (p ->> '$.value') END,
                 CASE WHEN json_type(p, '$.intValue') IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE') THEN (p ->> '$.intValue') END)
             END),
      v -> v IS NOT NULL)[1]
  WHEN json_type(params) = 'OBJECT' AND json_type(params, '$."' || key || '"') IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE') THEN
    json_extract_string(params, '$."' || key || '"')
END;
