-- entra_signin native grants: Entra app role assignments (+ users and group members) → grant rows.
-- Input:  entra_records (file, ord, sub, rec JSON, raw, bad) over the export (json-records.ts), records as
--         Microsoft Graph returns them, in any order and files (export-assignments.sh writes all three):
--         a service principal {id, appId, appRoleAssignedTo: [appRoleAssignment…]}  (…?$expand=appRoleAssignedTo),
--         or {id, appId} alone, naming the resourceId of bare appRoleAssignment records {principalId,
--         principalType, resourceId, appRoleId, createdDateTime};
--         a user {id, userPrincipalName}: assignments name users by object id, the logs by UPN;
--         a group {id, displayName, members: [{id, userPrincipalName}…]} to expand group assignments.
-- Output: (file, ord, raw, bad, v = [principal, permission, granted_at, via, label]) (ingest/grants.sql); label:
--         the application's name (the assignment's resourceDisplayName, else its service principal's displayName).
-- principalType ServicePrincipal gives no row (not a person); a user or group the export does not
-- describe is refused (unknown_user, unexpanded_group), never guessed.
WITH recs AS (
  SELECT file, ord, raw, bad, rec, j,
    list_transform(j, v -> CASE WHEN json_type(v) = 'VARCHAR' THEN nullif(lower(trim(json_extract_string(v, '$'))), '') END) AS x
  FROM (
    SELECT *, CASE WHEN bad IS NULL THEN json_extract(rec, ['$."id"', '$."appId"', '$."appRoleAssignedTo"',
      '$."userPrincipalName"', '$."members"', '$."displayName"', '$."principalId"', '$."resourceId"']) END AS j
    FROM entra_records
    -- An empty page holds no assignment.
    WHERE bad IS DISTINCT FROM 'empty_list'
  )
),
kinds AS (
  SELECT *, CASE
    WHEN bad IS NOT NULL THEN NULL
    WHEN x[7] IS NOT NULL AND x[8] IS NOT NULL THEN 'assignment'
    WHEN x[2] IS NOT NULL THEN 'service_principal'
    WHEN json_type(j[5]) = 'ARRAY' THEN 'group'
    WHEN x[4] IS NOT NULL THEN 'user'
  END AS kind
  FROM recs
),
sps AS (
  SELECT x[1] AS id, any_value(x[2]) AS app_id, any_value(name) AS app_name
  FROM (SELECT *, CASE WHEN json_type(j[6]) = 'VARCHAR' THEN nullif(trim(json_extract_string(j[6], '$')), '') END AS name FROM kinds)
  WHERE kind = 'service_principal' AND x[1] IS NOT NULL GROUP BY ALL
),
users AS (SELECT x[1] AS id, any_value(x[4]) AS upn FROM kinds WHERE kind = 'user' AND x[1] IS NOT NULL GROUP BY ALL),
groups AS (SELECT x[1] AS id, any_value(json_extract_string(j[6], '$')) AS name FROM kinds WHERE kind = 'group' AND x[1] IS NOT NULL GROUP BY ALL),
-- Only user members count: devices, service principals and nested groups have no userPrincipalName
-- (export transitiveMembers to flatten nested groups).
members AS (
  SELECT DISTINCT id, upn FROM (
    SELECT x[1] AS id,
      unnest(list_transform(json_extract(j[5], '$[*]'),
        m -> CASE WHEN json_type(m, '$.userPrincipalName') = 'VARCHAR' THEN nullif(lower(trim(m ->> '$.userPrincipalName')), '') END)) AS upn
    FROM kinds WHERE kind = 'group' AND x[1] IS NOT NULL
  ) WHERE upn IS NOT NULL
),
assignments AS (
  SELECT file, ord, raw, app_id, app_name, a FROM (
    SELECT file, ord, raw, x[2] AS app_id,
      CASE WHEN json_type(j[6]) = 'VARCHAR' THEN nullif(trim(json_extract_string(j[6], '$')), '') END AS app_name,
      unnest(json_extract(j[3], '$[*]')) AS a
    FROM kinds WHERE kind = 'service_principal' AND json_type(j[3]) = 'ARRAY'
  )
  UNION ALL
  SELECT file, ord, raw, NULL, NULL, rec FROM kinds WHERE kind = 'assignment'
),
fields AS (
  SELECT file, ord, raw,
    coalesce(a.app_id, s.app_id) AS app_id,
    coalesce(CASE WHEN json_type(a, '$.resourceDisplayName') = 'VARCHAR' THEN nullif(trim(a ->> '$.resourceDisplayName'), '') END,
             a.app_name, s.app_name) AS app_name,
    CASE WHEN json_type(a, '$.principalId') = 'VARCHAR' THEN lower(trim(a ->> '$.principalId')) END AS principal_id,
    CASE WHEN json_type(a, '$.principalType') = 'VARCHAR' THEN a ->> '$.principalType' END AS principal_type,
    CASE WHEN json_type(a, '$.principalDisplayName') = 'VARCHAR' THEN a ->> '$.principalDisplayName' END AS principal_name,
    CASE WHEN json_type(a, '$.createdDateTime') = 'VARCHAR' THEN a ->> '$.createdDateTime' END AS created
  FROM assignments a
  LEFT JOIN sps s ON s.id = CASE WHEN json_type(a.a, '$.resourceId') = 'VARCHAR' THEN lower(trim(a.a ->> '$.resourceId')) END
)
SELECT file, ord, raw, bad, NULL::VARCHAR[] AS v FROM kinds WHERE bad IS NOT NULL
UNION ALL
SELECT file, ord, raw, 'not_an_assignment', NULL FROM kinds WHERE bad IS NULL AND kind IS NULL
UNION ALL
SELECT f.file, f.ord, f.raw,
  CASE WHEN f.app_id IS NULL THEN 'unknown_application' WHEN u.upn IS NULL THEN 'unknown_user' END,
  [u.upn, 'app/' || f.app_id, f.created, 'direct', f.app_name]
FROM fields f LEFT JOIN users u ON u.id = f.principal_id
WHERE f.principal_type = 'User'
UNION ALL
SELECT f.file, f.ord, f.raw,
  CASE WHEN f.app_id IS NULL THEN 'unknown_application' WHEN m.upn IS NULL THEN 'unexpanded_group' END,
  CASE WHEN m.upn IS NOT NULL THEN [m.upn, 'app/' || f.app_id, f.created, 'group:' || coalesce(g.name, f.principal_name, f.principal_id), f.app_name] END
FROM fields f LEFT JOIN groups g ON g.id = f.principal_id LEFT JOIN members m ON m.id = f.principal_id
WHERE f.principal_type = 'Group'
UNION ALL
SELECT file, ord, raw, 'unknown_principal_type', NULL FROM fields
WHERE principal_type IS DISTINCT FROM 'User' AND principal_type IS DISTINCT FROM 'Group' AND principal_type IS DISTINCT FROM 'ServicePrincipal'
