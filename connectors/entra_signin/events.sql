-- entra_signin: Microsoft Entra ID sign-in logs → permission uses: a successful sign-in by a user to an
-- application is a use of the user's assignment to that enterprise application.
-- Input:  entra_records (file, ord, sub, rec JSON, raw, bad): one row per sign-in record (json-records.ts);
--         `{"records":[…]}` (Event Hub capture, storage export) and `{"value":[…]}` (Graph pages) are expanded.
-- Output: EVENT_COLUMNS (connectors/_shared/define.ts), one row per input record.
-- Two shapes: the Azure Monitor diagnostic export (time, category, resultType, and the sign-in under
-- `properties`) and Graph's signIn resource (createdDateTime, userPrincipalName, status at the top level).
-- Panther's copies lower-case the diagnostic top-level keys (`resulttype`), so both spellings are read.
-- Fields: https://learn.microsoft.com/en-us/graph/api/resources/signin
--         https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/signinlogs
WITH
fragments AS (
  SELECT file, ord, sub, raw, bad,
    CASE WHEN bad IS NULL THEN json_extract(rec, [
      '$."time"', '$."category"', '$."resultType"', '$."resulttype"', '$."properties"', '$."createdDateTime"',
      '$."CreationTime"', '$."Workload"', '$."Operation"', '$."UserId"', '$."ApplicationId"', '$."ResultStatus"',
      '$."Id"', '$."UserType"']) END AS top,
    rec
  FROM entra_records
),
-- The sign-in itself: `properties` of a diagnostic record, the record itself from Graph.
signins AS (
  SELECT file, ord, sub, raw, bad, top,
    CASE WHEN json_type(top[5]) = 'OBJECT' THEN top[5] ELSE rec END AS s
  FROM fragments
),
-- j: the record's time, category, resultType (two spellings), properties, createdDateTime; the unified audit
-- log's CreationTime, Workload, Operation, UserId, ApplicationId, ResultStatus, Id, UserType; then the
-- sign-in's createdDateTime, userPrincipalName, appId, appDisplayName, status.errorCode, id,
-- servicePrincipalId, signInEventTypes, isInteractive.
values AS (
  SELECT file, ord, sub, raw, bad, j,
    -- Strings only, and numbers where codes are: a value of another JSON type is as good as absent.
    list_transform(j, v -> CASE WHEN json_type(v) = 'VARCHAR' THEN json_extract_string(v, '$') END) AS x,
    list_transform(j, v -> CASE WHEN json_type(v) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE') THEN json_extract_string(v, '$') END) AS n
  FROM (
    SELECT file, ord, sub, raw, bad,
      list_concat(top, CASE WHEN bad IS NULL AND json_type(s) = 'OBJECT' THEN json_extract(s, [
          '$."createdDateTime"', '$."userPrincipalName"', '$."appId"', '$."appDisplayName"', '$."status"."errorCode"', '$."id"',
          '$."servicePrincipalId"', '$."signInEventTypes"', '$."isInteractive"']) END) AS j
    FROM signins
  )
),
fields AS (
  SELECT file, ord, sub, raw, bad,
    -- A Microsoft 365 unified audit log record (Office 365 Management Activity API): its Entra sign-ins
    -- (Workload AzureActiveDirectory, UserLoggedIn / UserLoginFailed) are read; the rest is not a sign-in.
    x[7] IS NOT NULL AND x[8] IS NOT NULL AS ual,
    coalesce(x[1], x[15], x[7]) AS time_text,
    CASE WHEN x[7] IS NOT NULL AND x[8] IS NOT NULL THEN
      CASE WHEN x[8] = 'AzureActiveDirectory' AND x[9] IN ('UserLoggedIn', 'UserLoginFailed') THEN 'UserLoggedIn' ELSE 'other' END
      ELSE x[2] END AS category,
    -- Something of a sign-in: a category, a createdDateTime, a user or an app.
    coalesce(x[2], x[15], x[16], x[17], x[21]) IS NOT NULL OR x[7] IS NOT NULL AS sign_in_shape,
    nullif(trim(lower(coalesce(n[3], n[4], CASE WHEN x[9] = 'UserLoginFailed' THEN 'failed' ELSE n[12] END))), '') AS result_type,
    lower(nullif(trim(coalesce(x[16], x[10])), '')) AS upn,
    nullif(trim(coalesce(x[17], x[11])), '') AS app_id,
    x[18] AS app_name,
    lower(n[19]) AS error_code,
    coalesce(x[20], x[13]) AS event_id,
    nullif(trim(x[21]), '') AS sp_id,
    -- UAL UserType: 4 System, 5 Application, 6 ServicePrincipal and above are not people.
    coalesce(try_cast(n[14] AS DOUBLE) >= 4, false)
      OR coalesce(json_type(j[22]) = 'ARRAY' AND
           len(list_filter(json_extract_string(j[22], '$[*]'), v -> v IN ('servicePrincipal', 'managedIdentity'))) > 0, false) AS sp_event,
    coalesce(json_type(j[23]) <> 'BOOLEAN' OR j[23]::VARCHAR <> 'false', true) AS interactive
  FROM values
),
timed AS (
  SELECT *,
    -- lapse_time throws on epoch numbers beyond TIMESTAMPTZ; such a value is a bad time, not a crash.
    CASE WHEN regexp_full_match(time_text, '-?[0-9]+(\.[0-9]+)?') AND abs(time_text::DOUBLE) >= 1e20 THEN NULL
         ELSE lapse_time(time_text) END AS t
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
