-- Okta app assignments → grants: who is assigned to which app, directly or through a group.
-- Input:  okta_records (file, ord, sub, rec JSON, raw, bad) over the export (json-records.ts): Application
--         User objects of `GET /api/v1/apps/{appId}/users?expand=user`, or the simple form
--         {appId, label, login, created, scope, group, via} (what the okta: grants source writes); see
--         connectors/okta_system_log/README.md.
-- Output: (file, ord, raw, bad, v) with v = [principal, permission, granted_at, via, label] (ingest/grants.sql);
--         label: the app's label (`label`), when the record has one other than the app id.
-- The app id comes from `appId` or the object's own `_links.app.href`; the login from `login` or the
-- embedded user (`?expand=user`). https://developer.okta.com/docs/reference/api/apps/#application-user-object
WITH
fields AS (
  SELECT file, ord, raw, bad,
    coalesce(s[1], s[2]) AS login,
    coalesce(s[3], nullif(regexp_extract(s[4], '/apps/([^/?#]+)', 1), '')) AS app_id,
    s[5] AS created,
    s[6] AS scope,
    coalesce(s[7], s[8], nullif(regexp_extract(s[9], '/groups/([^/?#]+)', 1), '')) AS group_name,
    s[10] AS via,
    s[11] AS label
  FROM (
    SELECT *,
      -- Only string values: a number or object where a name belongs is not a name.
      list_transform(
        ['$."_embedded"."user"."profile"."login"', '$."login"', '$."appId"', '$."_links"."app"."href"', '$."created"',
         '$."scope"', '$."_links"."group"."name"', '$."group"', '$."_links"."group"."href"', '$."via"',
         '$."label"'],
        p -> CASE WHEN json_type(rec, p) = 'VARCHAR' THEN nullif(trim(json_extract_string(rec, p)), '') END) AS s
    FROM okta_records
    -- An empty page holds no assignment.
    WHERE bad IS DISTINCT FROM 'empty_list'
  )
)
SELECT file, ord, raw, bad,
  CASE WHEN bad IS NULL THEN [
    -- Named as the log side names the actor: the login, lower-cased when it is an e-mail.
    CASE WHEN contains(login, '@') THEN lower(login) ELSE login END,
    'app/' || app_id,
    created,
    coalesce(via, CASE WHEN upper(scope) = 'GROUP' THEN 'group:' || coalesce(group_name, 'unknown') ELSE 'direct' END),
    CASE WHEN label IS DISTINCT FROM app_id THEN label END
  ] END AS v
FROM fields
