-- k8s_audit native grants: RBAC bindings → grant rows.
-- Input:  k8s_records (file, ord, sub, rec JSON, raw, bad): the items of
--         `kubectl get rolebindings,clusterrolebindings -A -o json` (a List; lists expanded by json-records.ts).
-- Output: (file, ord, raw, bad, v = [principal, permission, granted_at, via]).
-- Params: $cluster VARCHAR.
-- One row per User subject: <cluster>/<namespace> for a RoleBinding, <cluster>/_cluster for a
-- ClusterRoleBinding, via role:<roleRef.name>. Group and ServiceAccount subjects, and system: users, give no
-- row (group membership lives in the identity provider; see connectors/k8s_audit/README.md). granted_at stays
-- empty: a binding's creationTimestamp predates subjects added to it later.
WITH recs AS (
  SELECT file, ord, raw, bad, rec,
    CASE WHEN bad IS NULL THEN json_extract_string(rec, ['$.kind', '$.metadata.namespace', '$.roleRef.name']) END AS x
  FROM k8s_records
),
subjects AS (
  SELECT file, ord, raw, kind, ns, role, json_extract_string(s, ['$.kind', '$.name']) AS subj
  FROM (
    SELECT file, ord, raw, x[1] AS kind, nullif(trim(x[2]), '') AS ns, nullif(trim(x[3]), '') AS role,
      unnest(json_extract(rec, '$.subjects[*]')) AS s
    FROM recs WHERE bad IS NULL AND x[1] IN ('RoleBinding', 'ClusterRoleBinding')
  )
)
-- An empty list (`[]`, a List without items) holds no grant: no row.
SELECT file, ord, raw, bad, NULL::VARCHAR[] AS v FROM recs WHERE bad IS NOT NULL AND bad <> 'empty_list'
UNION ALL
SELECT file, ord, raw, 'not_a_binding', NULL FROM recs WHERE bad IS NULL AND coalesce(x[1] NOT IN ('RoleBinding', 'ClusterRoleBinding'), true)
UNION ALL
SELECT file, ord, raw,
  CASE WHEN kind = 'RoleBinding' AND ns IS NULL THEN 'missing_namespace' WHEN role IS NULL THEN 'missing_role' END,
  [trim(subj[2]), $cluster || '/' || CASE WHEN kind = 'ClusterRoleBinding' THEN '_cluster' ELSE ns END, NULL, 'role:' || role]
FROM subjects
WHERE subj[1] = 'User' AND nullif(trim(subj[2]), '') IS NOT NULL AND NOT starts_with(trim(subj[2]), 'system:')
  AND NOT starts_with(trim(subj[2]), 'eks:')
