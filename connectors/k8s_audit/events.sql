-- k8s_audit: Kubernetes audit Events (audit.k8s.io/v1, v1beta1) → permission-use events, one row per record.
-- Input:  k8s_records (file, ord, sub, rec JSON, raw, bad) from gcp_audit/json-records.ts (EventList expanded).
-- Output: EVENT_COLUMNS (connectors/_shared/define.ts).
-- Params: $cluster VARCHAR: the cluster name that prefixes every permission.
-- One request can log up to four stages with the same auditID (RequestReceived, ResponseStarted,
-- ResponseComplete, Panic). Only the stage that carries the outcome counts: ResponseComplete (Panic is a
-- failure; a record without a stage is taken as final), plus ResponseStarted for exec/attach/portforward streams, whose
-- ResponseComplete only comes when the session ends. Fields are read once per record (a multi-path
-- json_extract, so large requestObject bodies are parsed once) and kept only with the expected JSON type.
-- AKS diagnostic settings deliver each event as a JSON string in `properties.log` of an Azure resource log
-- record (category kube-audit or kube-audit-admin); records of other categories (kube-apiserver, guard, …)
-- are not audit events. `raw` stays the record as delivered.
SELECT file, ord, sub, time, principal, permission, action, resource, event_id, drop_reason,
  coalesce(drop_reason IN ('malformed_json', 'not_an_object', 'missing_time', 'bad_time', 'missing_principal', 'bad_namespace'), false) AS quarantine,
  raw
FROM (
  SELECT file, ord, sub, t AS time, principal, permission, action, resource, event_id, raw,
    CASE
      WHEN bad IS NOT NULL THEN bad
      WHEN kind IS NOT NULL AND kind <> 'Event' THEN 'not_an_event'
      WHEN stage = 'RequestReceived'
        OR (stage = 'ResponseStarted' AND coalesce(subresource NOT IN ('exec', 'attach', 'portforward'), true)) THEN 'intermediate_stage'
      WHEN time_text IS NULL THEN 'missing_time'
      WHEN t IS NULL OR NOT lapse_plausible(t) THEN 'bad_time'
      WHEN principal IS NULL THEN 'missing_principal'
      WHEN principal IN ('system:anonymous', 'system:unauthenticated') THEN 'no_principal'
      -- Control-plane and node identities (system:serviceaccount:…, system:node:…, system:kube-…) and the
      -- EKS-managed eks:… users are not people.
      WHEN starts_with(principal, 'system:') OR starts_with(principal, 'eks:') THEN 'service_principal'
      WHEN stage = 'Panic' OR decision = 'forbid' OR coalesce(try_cast(code AS DOUBLE) >= 400, false) THEN 'denied'
      -- Non-resource URLs (/healthz, /version, /apis discovery) are open to every authenticated user:
      -- they say nothing about a role binding.
      WHEN NOT has_object THEN 'not_a_use'
      -- A namespace that is not a string must not silently widen the permission to _cluster.
      WHEN bad_namespace THEN 'bad_namespace'
    END AS drop_reason
  FROM (
    SELECT file, ord, sub, raw, bad, time_text, lapse_time(time_text) AS t,
      x[1] AS kind, x[2] AS stage, x[3] AS event_id, x[11] AS subresource, n[12] AS code, x[13] AS decision,
      -- Impersonation (kubectl --as): the API server authorises the request as the impersonated user.
      nullif(trim(coalesce(x[6], x[5])), '') AS principal,
      coalesce(json_type(j[7]) = 'OBJECT', false) AS has_object,
      coalesce(json_type(j[8]) NOT IN ('VARCHAR', 'NULL'), false) AS bad_namespace,
      $cluster || '/' || coalesce(nullif(trim(x[8]), ''), '_cluster') AS permission,
      nullif(concat_ws(' ', x[4], nullif(concat_ws('/', nullif(x[10], ''), nullif(x[11], '')), '')), '') AS action,
      nullif(concat_ws('/', nullif(x[8], ''), nullif(x[9], '')), '') AS resource
    FROM (
      SELECT *, coalesce(n[14], n[15], n[16]) AS time_text
      FROM (
        SELECT *,
          -- Strings only, except the status code and times, where a number is a plausible value.
          list_transform(j, v -> CASE WHEN json_type(v) = 'VARCHAR' THEN json_extract_string(v, '$') END) AS x,
          list_transform(j, v -> CASE WHEN json_type(v) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE')
                                      THEN json_extract_string(v, '$') END) AS n
        FROM (
          SELECT file, ord, sub, raw, bad,
            CASE WHEN bad IS NULL THEN json_extract(rec, [
              '$.kind', '$.stage', '$.auditID', '$.verb', '$.user.username', '$.impersonatedUser.username',
              '$.objectRef', '$.objectRef.namespace', '$.objectRef.name', '$.objectRef.resource',
              '$.objectRef.subresource', '$.responseStatus.code', '$.annotations."authorization.k8s.io/decision"',
              -- v1: stageTimestamp, requestReceivedTimestamp; v1alpha1/v1beta1: timestamp.
              '$.stageTimestamp', '$.requestReceivedTimestamp', '$.timestamp']) END AS j
          FROM (
            SELECT file, ord, sub, raw,
              CASE WHEN bad IS NOT NULL OR NOT aks THEN bad
                   WHEN category NOT IN ('kube-audit', 'kube-audit-admin') THEN 'not_an_event'
                   WHEN event IS NULL THEN 'malformed_json'
                   WHEN json_type(event) <> 'OBJECT' THEN 'not_an_object' END AS bad,
              CASE WHEN aks THEN event ELSE rec END AS rec
            FROM (
              SELECT *, try_cast(log AS JSON) AS event
              FROM (
                SELECT *, coalesce(json_type(rec, '$.properties.log') = 'VARCHAR' AND json_type(rec, '$.category') = 'VARCHAR', false) AS aks,
                  json_extract_string(rec, '$.category') AS category, json_extract_string(rec, '$.properties.log') AS log
                FROM k8s_records
              )
            )
          )
        )
      )
    )
  )
)
