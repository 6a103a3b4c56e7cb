-- azure_activity native grants: Azure role assignments (+ group members) → grant rows.
-- Input:  az_records (file, ord, sub, rec JSON, raw, bad) over `az role assignment list --all` output (a JSON
--         array, or JSON Lines of its elements) and optional {group, members: [upn…]} lines to expand Group
--         assignments (`group` the group's name or object id).
-- Output: (file, ord, raw, bad, v = [principal, permission, granted_at, via]) (ingest/grants.sql).
-- Params: $by_subscription BOOLEAN, as for events. Needs macros.sql.
-- via: `role:<roleDefinitionName>`, for a group `role:<roleDefinitionName> (group:<name>)`: the role decides
-- whether the activity log can show its use (Reader roles cannot: see README.md).
WITH recs AS (
  SELECT file, ord, raw, bad, j,
    list_transform(j, v -> CASE WHEN json_type(v) = 'VARCHAR' THEN nullif(trim(json_extract_string(v, '$')), '') END) AS x
  FROM (
    SELECT *, CASE WHEN bad IS NULL THEN json_extract(rec, ['$."principalName"', '$."principalType"', '$."roleDefinitionName"',
      '$."scope"', '$."createdOn"', '$."principalId"', '$."group"', '$."members"']) END AS j
    FROM az_records
    WHERE bad IS DISTINCT FROM 'empty_list'
  )
),
assignments AS (
  SELECT file, ord, raw, x[1] AS name, x[2] AS type, x[3] AS role, azure_activity_scope(x[4], $by_subscription) AS permission,
    x[5] AS created, lower(x[6]) AS id
  FROM recs WHERE bad IS NULL AND x[4] IS NOT NULL
),
members AS (
  SELECT DISTINCT grp, lower(trim(m)) AS upn FROM (
    SELECT lower(x[7]) AS grp, unnest(json_extract_string(j[8], '$[*]')) AS m
    FROM recs WHERE bad IS NULL AND x[4] IS NULL AND x[7] IS NOT NULL AND json_type(j[8]) = 'ARRAY'
  ) WHERE nullif(trim(m), '') IS NOT NULL
)
SELECT file, ord, raw, bad, NULL::VARCHAR[] AS v FROM recs WHERE bad IS NOT NULL
UNION ALL
SELECT file, ord, raw, 'not_an_assignment', NULL FROM recs
WHERE bad IS NULL AND x[4] IS NULL AND NOT (x[7] IS NOT NULL AND json_type(j[8]) = 'ARRAY')
UNION ALL
SELECT file, ord, raw,
  CASE WHEN permission IS NULL THEN 'unknown_scope' WHEN role IS NULL THEN 'missing_role' END,
  [lower(name), permission, created, 'role:' || role]
FROM assignments WHERE type = 'User'
UNION ALL
SELECT a.file, a.ord, a.raw,
  CASE WHEN a.permission IS NULL THEN 'unknown_scope' WHEN m.upn IS NULL THEN 'unexpanded_group' WHEN a.role IS NULL THEN 'missing_role' END,
  CASE WHEN m.upn IS NOT NULL THEN [m.upn, a.permission, a.created, 'role:' || a.role || ' (group:' || coalesce(a.name, a.id) || ')'] END
FROM assignments a LEFT JOIN members m ON m.grp = lower(a.name) OR m.grp = a.id
WHERE a.type = 'Group'
UNION ALL
SELECT file, ord, raw, 'unknown_principal_type', NULL FROM assignments
WHERE type IS NULL OR type NOT IN ('User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device')
