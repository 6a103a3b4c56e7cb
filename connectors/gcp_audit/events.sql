-- gcp_audit: Cloud Audit Logs LogEntry records → permission-use events (one row per record).
-- Input:  gcp_records (file, ord, sub, rec JSON, raw, bad) from json-records.ts.
-- Output: EVENT_COLUMNS (connectors/_shared/define.ts).
-- Params: $by_service BOOLEAN: permission project/<id>/<serviceName> instead of project/<id>.
-- action: the methodName, followed by the IAM permissions the record says were granted
-- (authorizationInfo[].permission where granted is true), sorted, in parentheses:
-- `google.iam.admin.v1.CreateRole (iam.roles.create)`; just the methodName when it names none.
-- connectors/gcp_audit/actions.ts reads the permissions back for a system with `actions: true`.
-- Fields are read as JSON first and kept only when they have the expected JSON type, so a record with
-- a string where an object belongs ends as a drop, never as an error.
SELECT file, ord, sub, time, principal, permission, action, resource, event_id, drop_reason,
  coalesce(drop_reason IN ('malformed_json', 'not_an_object', 'missing_time', 'bad_time',
                          'missing_project', 'missing_service'), false) AS quarantine,
  raw
FROM (
SELECT file, ord, sub, t AS time, principal, permission, action, resource, event_id,
  CASE
    WHEN bad IS NOT NULL THEN bad
    -- jsonPayload / textPayload entries, and protoPayloads of other types (App Engine request logs).
    WHEN NOT has_payload OR NOT coalesce(ends_with(type_url, '/google.cloud.audit.AuditLog'), true) THEN 'not_audit_log'
    WHEN time_text IS NULL THEN 'missing_time'
    WHEN t IS NULL OR NOT lapse_plausible(t) THEN 'bad_time'
    WHEN principal IS NULL OR principal = 'system:anonymous' THEN 'no_principal'
    WHEN principal LIKE '%.gserviceaccount.com' OR principal LIKE 'system:%'
      OR principal ILIKE 'principal%://%/workloadIdentityPools/%' THEN 'service_principal'
    WHEN coalesce(status_code NOT IN ('0', '0.0'), false) OR denied_check THEN 'denied'
    WHEN project IS NULL AND regexp_matches(coalesce(log_name, ''), '^(organizations|folders|billingAccounts)/') THEN 'not_project_scoped'
    WHEN project IS NULL THEN 'missing_project'
    WHEN permission IS NULL THEN 'missing_service'
  END AS drop_reason,
  raw
FROM (
  SELECT *,
    'project/' || project || CASE WHEN $by_service THEN '/' || service ELSE '' END AS permission
  FROM (
    SELECT file, ord, sub, raw, bad, has_payload, type_url, time_text, lapse_time(time_text) AS t, log_name,
      concat_ws(' ', method, '(' || nullif(array_to_string(list_sort(list_distinct(list_filter(
        list_transform(json_extract(authz, '$[*]'), a -> CASE WHEN json_extract(a, '$.granted')::VARCHAR = 'true'
                                                            THEN json_extract_string(a, '$.permission') END),
        p -> nullif(trim(p), '') IS NOT NULL))), ', '), '') || ')') AS action,
      resource, event_id, status_code, service,
      -- authorizationInfo[].granted = false: the call was refused for at least one permission it needed.
      coalesce(list_contains(list_transform(json_extract(authz, '$[*].granted'), g -> g::VARCHAR), 'false'), false) AS denied_check,
      -- principalEmail is the caller (e-mail addresses are case-insensitive: lower-cased, as in grants);
      -- principalSubject (user:…, serviceAccount:…, principal://…) when it is absent.
      CASE
        WHEN email IS NOT NULL THEN lower(email)
        WHEN regexp_matches(subject, '^(user|serviceAccount):') THEN lower(regexp_replace(subject, '^[a-zA-Z]+:', ''))
        -- Workforce / workload identity federation URIs are kept as written (IAM members use the same form).
        WHEN regexp_matches(subject, '^principal(Set)?://') THEN subject
      END AS principal,
      coalesce(label_project, nullif(regexp_extract(log_name, '^projects/([^/]+)/logs/', 1), '')) AS project
    FROM (
      SELECT file, ord, sub, raw, bad,
        coalesce(n[1], n[2], n[3]) AS time_text,
        nullif(trim(x[4]), '') AS label_project,
        coalesce(x[5], x[6]) AS log_name,
        coalesce(x[7], x[8]) AS event_id,
        -- The AuditLog fields, from protoPayload or (Panther-style lower-cased key) protopayload.
        coalesce(len(list_filter(j[9:], v -> v IS NOT NULL)) > 0, false) AS has_payload,
        nullif(trim(coalesce(x[9], x[17])), '') AS email,
        nullif(trim(coalesce(x[10], x[18])), '') AS subject,
        coalesce(x[11], x[19]) AS method,
        nullif(trim(coalesce(x[12], x[20])), '') AS service,
        coalesce(x[13], x[21]) AS resource,
        coalesce(n[14], n[22]) AS status_code,
        coalesce(x[15], x[23]) AS type_url,
        coalesce(j[16], j[24]) AS authz
      FROM (
        SELECT *,
          -- Strings only, except times and status.code (a google.rpc.Code number), where numbers are plausible.
          list_transform(j, v -> CASE WHEN json_type(v) = 'VARCHAR' THEN json_extract_string(v, '$') END) AS x,
          list_transform(j, v -> CASE WHEN json_type(v) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE')
                                      THEN json_extract_string(v, '$') END) AS n
        FROM (
          -- One parse per record: every field by path (extracting protoPayload whole would copy it).
          SELECT file, ord, sub, raw, bad,
            CASE WHEN bad IS NULL THEN json_extract(rec, [
              '$.timestamp', '$.receiveTimestamp', '$.receivetimestamp', '$.resource.labels.project_id',
              '$.logName', '$.logname', '$.insertId', '$.insertid',
              '$.protoPayload.authenticationInfo.principalEmail', '$.protoPayload.authenticationInfo.principalSubject',
              '$.protoPayload.methodName', '$.protoPayload.serviceName', '$.protoPayload.resourceName',
              '$.protoPayload.status.code', '$.protoPayload."@type"', '$.protoPayload.authorizationInfo',
              '$.protopayload.authenticationInfo.principalEmail', '$.protopayload.authenticationInfo.principalSubject',
              '$.protopayload.methodName', '$.protopayload.serviceName', '$.protopayload.resourceName',
              '$.protopayload.status.code', '$.protopayload."@type"', '$.protopayload.authorizationInfo']) END AS j
          FROM gcp_records
        )
      )
    )
  )
)
)
