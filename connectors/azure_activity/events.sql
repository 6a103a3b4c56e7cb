-- azure_activity: Azure Resource Manager activity log → permission uses: a successful write, delete or
-- action by a user is a use of the role assignment scope it exercised.
-- Input:  az_records (file, ord, sub, rec JSON, raw, bad): one row per event (json-records.ts); the
--         diagnostic export's `{"records":[…]}` is expanded.
-- Output: EVENT_COLUMNS (connectors/_shared/define.ts), one row per input record.
-- Params: $by_subscription BOOLEAN: permission sub/<id> instead of sub/<id>/rg/<name>.
-- Three shapes: the diagnostic-settings export (time, operationName, resultType, identity.{authorization,
-- claims}), `az monitor activity-log list` (eventTimestamp, caller, status.value, authorization) and the
-- Python SDK's snake_case (event_timestamp, operation_name.value, resource_id). Needs macros.sql.
-- https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/activity-log-schema
WITH
fields AS (
  SELECT file, ord, sub, raw, bad,
    coalesce(x[1], x[2], x[3]) AS time_text,
    lower(coalesce(x[4], x[5], x[6], x[7])) AS status,
    coalesce(x[8], x[9], x[10], x[11]) AS category,
    coalesce(x[12], x[13], x[14], x[15], x[16]) AS operation,
    coalesce(x[17], x[18]) AS resource_id,
    coalesce(x[19], x[20]) AS auth_scope,
    x[21] AS evidence_scope,
    x[22] AS evidence_type,
    lower(nullif(trim(coalesce(x[23], x[24], x[25], x[26], x[27])), '')) AS caller,
    lower(coalesce(x[28], x[33])) AS id_type,
    coalesce(x[29], x[30], x[31], x[32]) AS event_id
  FROM (
    SELECT *,
      -- Strings only: a value of another JSON type is as good as absent.
      list_transform(j, v -> CASE WHEN json_type(v) = 'VARCHAR' THEN json_extract_string(v, '$') END) AS x
    FROM (
      SELECT file, ord, sub, raw, bad,
        CASE WHEN bad IS NULL THEN json_extract(rec, [
          '$."time"', '$."eventTimestamp"', '$."event_timestamp"',
          '$."resultType"', '$."status"."value"', '$."status"', '$."resulttype"',
          '$."category"', '$."category"."value"', '$."properties"."eventCategory"', '$."category"',
          '$."operationName"', '$."operationName"."value"', '$."operation_name"."value"', '$."authorization"."action"', '$."identity"."authorization"."action"',
          '$."resourceId"', '$."resource_id"',
          '$."authorization"."scope"', '$."identity"."authorization"."scope"',
          '$."identity"."authorization"."evidence"."roleAssignmentScope"',
          '$."identity"."authorization"."evidence"."principalType"',
          '$."caller"', '$."identity"."claims"."http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"',
          '$."claims"."http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"', '$."identity"."claims"."upn"',
          '$."properties"."caller"',
          '$."claims"."idtyp"',
          '$."eventDataId"', '$."event_data_id"', '$."correlationId"', '$."id"', '$."identity"."claims"."idtyp"']) END AS j
      FROM az_records
    )
  )
),
timed AS (
  SELECT *,
    -- lapse_time throws on epoch numbers beyond TIMESTAMPTZ; such a value is a bad time, not a crash.
    CASE WHEN regexp_full_match(time_text, '-?[0-9]+(\.[0-9]+)?') AND abs(time_text::DOUBLE) >= 1e20 THEN NULL
         ELSE lapse_time(time_text) END AS t,
    -- The scope the caller's role assignment was checked at when the log says so; else the resource's.
    azure_activity_scope(coalesce(evidence_scope, resource_id, auth_scope), $by_subscription) AS permission
  FROM fields
),
judged AS (
  SELECT *,
    CASE
      WHEN bad IS NOT NULL THEN bad
      WHEN operation IS NULL AND category IS NULL THEN 'not_activity_log'
      -- Service health, policy, alerts, autoscale, recommendations, security: not a caller's doing.
      WHEN lower(category) <> 'administrative' THEN 'not_administrative'
      WHEN time_text IS NULL THEN 'missing_time'
      WHEN t IS NULL OR NOT lapse_plausible(t) THEN 'bad_time'
      -- Only writes are in the activity log; a read that shows up anyway is not what lapse judges here.
      WHEN NOT regexp_matches(lower(coalesce(operation, '')), '/(write|delete|action)$') THEN 'not_a_use'
      -- A long operation logs Started/Accepted first, then Succeeded or Failed: the last one decides.
      WHEN status IN ('started', 'start', 'accepted', 'accept', 'active', 'inprogress') THEN 'in_progress'
      -- Apps and managed identities: the evidence's principal type, the token's idtyp, or an object id as caller.
      WHEN coalesce(evidence_type, '') NOT IN ('', 'User') OR id_type = 'app' THEN 'service_principal'
      WHEN caller IS NULL THEN 'no_principal'
      WHEN NOT contains(caller, '@') THEN 'service_principal'
      WHEN status IN ('failed', 'failure', 'canceled', 'cancelled') THEN 'denied'
      WHEN status IS NULL OR status NOT IN ('succeeded', 'success') THEN 'unknown_outcome'
      WHEN permission IS NULL THEN 'missing_scope'
    END AS drop_reason
  FROM timed
)
SELECT file, ord, sub, t AS time, caller AS principal, permission,
  operation AS action, coalesce(resource_id, auth_scope) AS resource, event_id, drop_reason,
  coalesce(drop_reason IN ('malformed_json', 'not_an_object', 'missing_time', 'bad_time', 'missing_scope'), false) AS quarantine,
  raw
FROM judged
