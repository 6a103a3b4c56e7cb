-- gcp_audit native grants: project IAM allow policies (+ optional group memberships) → grant rows.
-- Input:  gcp_records (file, ord, sub, rec JSON, raw, bad) from json-records.ts; each record is
--         {project_id, policy}          a policy with its project (JSON Lines, one project a line); an
--                                       optional project_name (or projectName, displayName) is its label,
--         {project_id, bindings, …}     the same, the policy's fields inlined,
--         {bindings, etag, version}     a bare `get-iam-policy` output; the project is the file name
--                                       (<project_id>.json[.gz]),
--         {group, members: [email…]}    the members of a group, to expand group: bindings.
-- Output: (file, ord, raw, bad, v = [principal, permission, granted_at, via, label]); label the project's name.
-- Members: user:<email> → <email> via role:<role>; group:<email> → each listed member via group:<email>
-- (bad unexpanded_group when the file lists no members for it); principal://… workforce identities kept
-- as written. serviceAccount:, workload identity principals, deleted:, domain:, allUsers,
-- allAuthenticatedUsers, principalSet:// and the convenience values (projectOwner:…) give no row:
-- they are not people, or not enumerable.
WITH recs AS (
  SELECT file, ord, raw, bad, rec,
    CASE WHEN bad IS NOT NULL THEN NULL
         WHEN json_type(rec, '$.policy') = 'OBJECT' THEN json_extract(rec, '$.policy')
         WHEN json_type(rec, '$.bindings') = 'ARRAY' THEN rec END AS policy,
    CASE WHEN bad IS NULL AND json_type(rec, '$.group') = 'VARCHAR' AND json_type(rec, '$.members') = 'ARRAY'
         THEN lower(trim(json_extract_string(rec, '$.group'))) END AS grp
  FROM gcp_records
),
policies AS (
  SELECT file, ord, raw, policy,
    coalesce(
      nullif(trim(CASE WHEN json_type(rec, '$.project_id') = 'VARCHAR' THEN json_extract_string(rec, '$.project_id') END), ''),
      nullif(trim(CASE WHEN json_type(rec, '$.projectId') = 'VARCHAR' THEN json_extract_string(rec, '$.projectId') END), ''),
      -- Project ids: 6–30 of [a-z0-9-], starting with a letter; legacy ones carry a domain prefix.
      nullif(regexp_extract(file, '(?:^|/)((?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9])\.json(?:\.gz)?$', 1), '')
    ) AS project,
    list_filter(list_transform(['$.project_name', '$.projectName', '$.displayName'],
      p -> CASE WHEN json_type(rec, p) = 'VARCHAR' THEN nullif(trim(json_extract_string(rec, p)), '') END), x -> x IS NOT NULL)[1]
      AS project_name
  FROM recs WHERE policy IS NOT NULL
),
members AS (
  SELECT DISTINCT grp, lower(regexp_replace(trim(m), '^user:', '')) AS member
  FROM (SELECT grp, unnest(json_extract_string(rec, '$.members[*]')) AS m FROM recs WHERE grp IS NOT NULL)
  WHERE nullif(trim(m), '') IS NOT NULL
),
bindings AS (
  SELECT file, ord, raw, project, project_name, json_extract_string(b, '$.role') AS role,
    unnest(json_extract_string(b, '$.members[*]')) AS member
  FROM (SELECT file, ord, raw, project, project_name, unnest(json_extract(policy, '$.bindings[*]')) AS b FROM policies WHERE project IS NOT NULL)
),
typed AS (
  SELECT file, ord, raw, 'project/' || project AS permission, project_name AS label, role,
    lower(regexp_extract(trim(member), '^([A-Za-z]+):', 1)) AS kind,
    lower(trim(regexp_replace(trim(member), '^[A-Za-z]+:', ''))) AS id, trim(member) AS member
  FROM bindings WHERE member IS NOT NULL
)
-- An empty list (`[]`, a List without items) holds no grant: no row.
SELECT file, ord, raw, bad, NULL::VARCHAR[] AS v FROM recs WHERE bad IS NOT NULL AND bad <> 'empty_list'
UNION ALL
SELECT file, ord, raw, 'not_a_policy', NULL FROM recs WHERE bad IS NULL AND policy IS NULL AND grp IS NULL
UNION ALL
SELECT file, ord, raw, 'unknown_project', NULL FROM policies WHERE project IS NULL
UNION ALL
SELECT file, ord, raw, CASE WHEN role IS NULL THEN 'missing_role' END,
  [id, permission, NULL, 'role:' || role, label]
FROM typed WHERE kind = 'user'
UNION ALL
SELECT file, ord, raw, CASE WHEN role IS NULL THEN 'missing_role' END,
  [member, permission, NULL, 'role:' || role, label]
FROM typed WHERE kind = 'principal' AND starts_with(member, 'principal://') AND NOT member ILIKE '%/workloadIdentityPools/%'
UNION ALL
SELECT t.file, t.ord, t.raw, CASE WHEN m.member IS NULL THEN 'unexpanded_group' END,
  CASE WHEN m.member IS NOT NULL THEN [m.member, t.permission, NULL, 'group:' || t.id, t.label] END
FROM typed t LEFT JOIN members m ON m.grp = t.id
WHERE t.kind = 'group' AND (m.member IS NULL OR NOT m.member LIKE '%.gserviceaccount.com')
