-- entra_signin: Microsoft Entra ID sign-in logs → permission uses: a successful sign-in by a user to an
-- application is a use of the user's assignment to that enterprise application.
-- Input:  entra_records (file, ord, sub, rec JSON, raw, bad): one row per sign-in record (json-records.ts);
--         `{"records":[…]}` (Event Hub capture, storage export) and `{"value":[…]}` (Graph pages) are expanded.
--         Macros: macros.sql, and the lapse_json_* of json-records.ts.
-- Output: EVENT_COLUMNS (connectors/_shared/define.ts), one row per input record.
-- Two shapes: the Azure Monitor diagnostic export (time, category, resultType, and the sign-in under
-- `properties`) and Graph's signIn resource (createdDateTime, userPrincipalName, status at the top level).
-- Panther's copies lower-case the diagnostic top-level keys (`resulttype`), so both spellings are read.
-- Fields: https://learn.microsoft.com/en-us/graph/api/resources/signin
--         https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/signinlogs
WITH
-- The record parsed once (entra_signin_record, macros.sql): the diagnostic export's and the unified audit
-- log's top-level fields, and the sign-in's, both at the top (Graph) and under `properties` (diagnostic).
records AS (
  SELECT file, ord, sub, raw, bad, rec, CASE WHEN bad IS NULL THEN entra_signin_record(rec) END AS d
  FROM entra_records
),
-- x: strings only; n: strings and numbers where codes are: a value of another JSON type is as good as absent
-- (lapse_json_str and lapse_json_scalar: connectors/_shared/json-records.ts). The sign-in (s) is
-- `properties` of a diagnostic record, the record itself from Graph.
values AS (
  SELECT file, ord, sub, raw, bad, rec, d,
    coalesce(d.properties, {'createdDateTime': d.createdDateTime, 'userPrincipalName': d.userPrincipalName, 'appId': d.appId,
      'appDisplayName': d.appDisplayName, 'status': d.status, 'id': d.id, 'servicePrincipalId': d.servicePrincipalId,
      'signInEventTypes': d.signInEventTypes, 'isInteractive': d.isInteractive}) AS s
  FROM records
),
fields AS (
  SELECT file, ord, sub, raw, bad,
    -- A Microsoft 365 unified audit log record (Office 365 Management Activity API): its Entra sign-ins
    -- (Workload AzureActiveDirectory, UserLoggedIn / UserLoginFailed) are read; the rest is not a sign-in.
    lapse_json_str(d.CreationTime) IS NOT NULL AND lapse_json_str(d.Workload) IS NOT NULL AS ual,
    coalesce(lapse_json_str(d.time), lapse_json_str(s.createdDateTime), lapse_json_str(d.CreationTime)) AS time_text,
    CASE WHEN lapse_json_str(d.CreationTime) IS NOT NULL AND lapse_json_str(d.Workload) IS NOT NULL THEN
      CASE WHEN lapse_json_str(d.Workload) = 'AzureActiveDirectory' AND lapse_json_str(d.Operation) IN ('UserLoggedIn', 'UserLoginFailed')
           THEN 'UserLoggedIn' ELSE 'other' END
      ELSE lapse_json_str(d.category) END AS category,
    -- Something of a sign-in: a category, a createdDateTime, a user or an app.
    coalesce(lapse_json_str(d.category), lapse_json_str(s.createdDateTime), lapse_json_str(s.userPrincipalName),
      lapse_json_str(s.appId), lapse_json_str(s.servicePrincipalId)) IS NOT NULL OR lapse_json_str(d.CreationTime) IS NOT NULL
      AS sign_in_shape,
    nullif(trim(lower(coalesce(lapse_json_scalar(d.resultType),
      -- Panther lower-cases the key; a STRUCT cannot hold both spellings, so it is read on its own, when present.
      CASE WHEN d.resultType IS NULL AND contains(rec, '"resulttype"') THEN lapse_json_scalar(json_extract(rec, '$."resulttype"')) END,
      CASE WHEN lapse_json_str(d.Operation) = 'UserLoginFailed' THEN 'failed' ELSE lapse_json_scalar(d.ResultStatus) END))), '')
      AS result_type,
    lower(nullif(trim(coalesce(lapse_json_str(s.userPrincipalName), lapse_json_str(d.UserId))), '')) AS upn,
    nullif(trim(coalesce(lapse_json_str(s.appId), lapse_json_str(d.ApplicationId))), '') AS app_id,
    lapse_json_str(s.appDisplayName) AS app_name,
    lower(lapse_json_scalar(s.status.errorCode)) AS error_code,
    -- The unified audit log's `Id` (the sign-in's is `id`: one STRUCT cannot hold both), read on its own.
    coalesce(lapse_json_str(s.id),
      CASE WHEN d.CreationTime IS NOT NULL AND contains(rec, '"Id"') THEN lapse_json_str(json_extract(rec, '$."Id"')) END) AS event_id,
    nullif(trim(lapse_json_str(s.servicePrincipalId)), '') AS sp_id,
    -- UAL UserType: 4 System, 5 Application, 6 ServicePrincipal and above are not people.
    coalesce(try_cast(lapse_json_scalar(d.UserType) AS DOUBLE) >= 4, false)
      OR coalesce(starts_with(s.signInEventTypes::VARCHAR, '[') AND
           len(list_filter(json_extract_string(s.signInEventTypes, '$[*]'), v -> v IN ('servicePrincipal', 'managedIdentity'))) > 0, false)
      AS sp_event,
    coalesce(s.isInteractive::VARCHAR <> 'false', true) AS interactive
  FROM values
),
timed AS (
  SELECT *,
    -- An epoch number beyond TIMESTAMPTZ is a bad time, not a crash (lapse_time gives NULL).
    lapse_time(time_text) AS t
  FROM fields
),
judged AS (
  SELECT *,
    CASE
      WHEN bad IS NOT NULL THEN bad
      WHEN NOT sign_in_shape THEN 'not_a_sign_in'
      -- Audit, provisioning and risk categories of the same export are not sign-ins.
      WHEN category IS NOT NULL AND category NOT IN ('SignInLogs', 'NonInteractiveUserSignInLogs', 'UserLoggedIn',
           'ServicePrincipalSignInLogs', 'ManagedIdentitySignInLogs') THEN 'not_a_sign_in'
      WHEN time_text IS NULL THEN 'missing_time'
      WHEN t IS NULL OR NOT lapse_plausible(t) THEN 'bad_time'
      WHEN category IN ('ServicePrincipalSignInLogs', 'ManagedIdentitySignInLogs') OR sp_event
        OR (upn IS NULL AND sp_id IS NOT NULL) THEN 'service_principal'
      WHEN upn IS NULL THEN 'no_principal'
      -- Any error code is a failed or interrupted sign-in (50074 MFA required, 53003 blocked by
      -- conditional access, 50126 bad password): denied. Without `status`, the diagnostic resultType.
      WHEN coalesce(error_code, result_type) NOT IN ('0', 'success', 'succeeded') THEN 'denied'
      WHEN coalesce(error_code, result_type) IS NULL THEN 'unknown_outcome'
      WHEN app_id IS NULL THEN 'missing_app'
    END AS drop_reason
  FROM timed
)
SELECT file, ord, sub, t AS time, upn AS principal,
  'app/' || lower(app_id) AS permission,
  CASE WHEN category = 'NonInteractiveUserSignInLogs' OR NOT interactive THEN 'non_interactive_sign_in' ELSE 'sign_in' END AS action,
  app_name AS resource,
  event_id,
  drop_reason,
  coalesce(drop_reason IN ('malformed_json', 'not_an_object', 'missing_time', 'bad_time', 'missing_app'), false) AS quarantine,
  raw
FROM judged
