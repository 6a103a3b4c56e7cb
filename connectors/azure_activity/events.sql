-- azure_activity: Azure Resource Manager activity log → permission uses: a successful write, delete or
-- action by a user is a use of the role assignment scope it exercised.
-- Input:  az_records (file, ord, sub, rec JSON, raw, bad): one row per event (json-records.ts); the
--         diagnostic export's `{"records":[…]}` is expanded.
-- Output: EVENT_COLUMNS (connectors/_shared/define.ts), one row per input record.
-- Params: $by_subscription BOOLEAN: permission sub/<id> instead of sub/<id>/rg/<name>.
-- Three shapes: the diagnostic-settings export (time, operationName, resultType, identity.{authorization,
-- claims}), `az monitor activity-log list` (eventTimestamp, caller, status.value, authorization) and the
-- Python SDK's snake_case (event_timestamp, operation_name.value, resource_id). Needs macros.sql and the
-- lapse_json_* macros of json-records.ts.
-- https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/activity-log-schema
WITH
-- The event parsed once (azure_activity_event, macros.sql), its fields JSON fragments read as strings only:
-- a value of another JSON type is as good as absent (lapse_json_str: connectors/_shared/json-records.ts).
fields AS (
  SELECT file, ord, sub, raw, bad,
    coalesce(lapse_json_str(d.time), lapse_json_str(d.eventTimestamp), lapse_json_str(d.event_timestamp)) AS time_text,
    lower(coalesce(lapse_json_str(d.resultType), azure_activity_text(d.status),
      -- Panther lower-cases the key; a STRUCT cannot hold both spellings, so it is read on its own, when present.
      CASE WHEN d.resultType IS NULL AND contains(rec, '"resulttype"') THEN lapse_json_str(json_extract(rec, '$."resulttype"')) END))
      AS status,
    coalesce(azure_activity_text(d.category), lapse_json_str(d.properties.eventCategory)) AS category,
    coalesce(azure_activity_text(d.operationName), lapse_json_str(d.operation_name.value), lapse_json_str(d."authorization".action),
      lapse_json_str(d.identity."authorization".action)) AS operation,
    coalesce(lapse_json_str(d.resourceId), lapse_json_str(d.resource_id)) AS resource_id,
    coalesce(lapse_json_str(d."authorization".scope), lapse_json_str(d.identity."authorization".scope)) AS auth_scope,
    lapse_json_str(d.identity."authorization".evidence.roleAssignmentScope) AS evidence_scope,
    lapse_json_str(d.identity."authorization".evidence.principalType) AS evidence_type,
    lower(nullif(trim(coalesce(lapse_json_str(d.caller), lapse_json_str(d.identity.claims."http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"), lapse_json_str(d.claims."http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"),
      lapse_json_str(d.identity.claims.upn), lapse_json_str(d.properties.caller))), '')) AS caller,
    lower(coalesce(lapse_json_str(d.claims.idtyp), lapse_json_str(d.identity.claims.idtyp))) AS id_type,
    coalesce(lapse_json_str(d.eventDataId), lapse_json_str(d.event_data_id), lapse_json_str(d.correlationId), lapse_json_str(d.id))
      AS event_id
  FROM (SELECT *, CASE WHEN bad IS NULL THEN azure_activity_event(rec) END AS d FROM az_records)
),
timed AS (
  SELECT *,
    -- An epoch number beyond TIMESTAMPTZ is a bad time, not a crash (lapse_time gives NULL).
    lapse_time(time_text) AS t,
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
      WHEN NOT azure_activity_is_write(lower(coalesce(operation, ''))) THEN 'not_a_use'
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
