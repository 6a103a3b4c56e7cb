-- google_workspace native grants: OAuth tokens and SAML app assignments (+ users and groups) → grant rows.
-- Input:  gws_records (file, ord, sub, rec JSON, raw, bad) over the export (json-records.ts), records in any
--         order and files (export-grants.sh writes them):
--         a token {user, clientId, displayText, scopes…}   Directory API tokens.list items, with the user's
--                                                         e-mail added (`userKey` when it is one);
--         a SAML assignment {application_name, org_unit | group | user}   (the Admin console's service status
--                                                         of the app, written down: there is no API for it);
--         a user {primaryEmail, orgUnitPath}               Directory API users.list items;
--         a group {group, members: [email…]}              to expand group assignments.
-- Output: (file, ord, raw, bad, v = [principal, permission, granted_at, via, label]) (ingest/grants.sql); label: a
--         token's app name (displayText); a SAML app is named by its permission already.
WITH recs AS (
  SELECT file, ord, raw, bad, rec, j,
    list_transform(j, v -> CASE WHEN json_type(v) = 'VARCHAR' THEN nullif(trim(json_extract_string(v, '$')), '') END) AS x
  FROM (
    SELECT *, CASE WHEN bad IS NULL THEN json_extract(rec, ['$."clientId"', '$."user"', '$."userEmail"', '$."userKey"',
      '$."application_name"', '$."org_unit"', '$."group"', '$."primaryEmail"', '$."orgUnitPath"', '$."members"']) END AS j
    FROM gws_records
    -- An empty page holds no grant.
    WHERE bad IS DISTINCT FROM 'empty_list'
  )
),
kinds AS (
  SELECT *,
    lower(coalesce(x[2], x[3], CASE WHEN contains(x[4], '@') THEN x[4] END)) AS token_user,
    CASE
      WHEN bad IS NOT NULL THEN NULL
      WHEN x[1] IS NOT NULL THEN 'token'
      WHEN x[5] IS NOT NULL THEN 'saml'
      WHEN x[8] IS NOT NULL THEN 'user'
      WHEN x[7] IS NOT NULL AND json_type(j[10]) = 'ARRAY' THEN 'group'
    END AS kind
  FROM recs
),
users AS (
  SELECT DISTINCT lower(x[8]) AS email, coalesce(x[9], '/') AS ou FROM kinds WHERE kind = 'user'
),
members AS (
  SELECT DISTINCT grp, lower(trim(m)) AS email FROM (
    SELECT lower(x[7]) AS grp, unnest(json_extract_string(j[10], '$[*]')) AS m FROM kinds WHERE kind = 'group'
  ) WHERE nullif(trim(m), '') IS NOT NULL
),
saml AS (
  SELECT file, ord, raw, 'saml/' || x[5] AS permission, lower(x[2]) AS user_email,
    rtrim(x[6], '/') AS ou, lower(x[7]) AS grp
  FROM kinds WHERE kind = 'saml'
)
SELECT file, ord, raw, bad, NULL::VARCHAR[] AS v FROM kinds WHERE bad IS NOT NULL
UNION ALL
SELECT file, ord, raw, 'not_a_grant', NULL FROM kinds WHERE bad IS NULL AND kind IS NULL
UNION ALL
SELECT file, ord, raw, CASE WHEN token_user IS NULL THEN 'missing_principal' END,
  [token_user, 'oauth/' || x[1], NULL, 'direct', display_text]
FROM (SELECT *, CASE WHEN json_type(rec, '$.displayText') = 'VARCHAR' THEN nullif(trim(rec ->> '$.displayText'), '') END AS display_text FROM kinds)
WHERE kind = 'token'
UNION ALL
SELECT file, ord, raw, NULL, [user_email, permission, NULL, 'direct'] FROM saml WHERE user_email IS NOT NULL
UNION ALL
-- An org unit reaches its users and those of the org units below it ('' is the root, /).
SELECT s.file, s.ord, s.raw, CASE WHEN u.email IS NULL THEN 'unexpanded_org_unit' END,
  CASE WHEN u.email IS NOT NULL THEN [u.email, s.permission, NULL, 'org_unit:' || coalesce(nullif(s.ou, ''), '/')] END
FROM saml s LEFT JOIN users u ON s.ou = '' OR u.ou = s.ou OR starts_with(u.ou, s.ou || '/')
WHERE s.user_email IS NULL AND s.ou IS NOT NULL
UNION ALL
SELECT s.file, s.ord, s.raw, CASE WHEN m.email IS NULL THEN 'unexpanded_group' END,
  CASE WHEN m.email IS NOT NULL THEN [m.email, s.permission, NULL, 'group:' || s.grp] END
FROM saml s LEFT JOIN members m ON m.grp = s.grp
WHERE s.user_email IS NULL AND s.ou IS NULL AND s.grp IS NOT NULL
UNION ALL
SELECT file, ord, raw, 'missing_principal', NULL FROM saml WHERE user_email IS NULL AND ou IS NULL AND grp IS NULL
