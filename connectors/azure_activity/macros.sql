-- Macros of the azure_activity connector, created by events() and the grants query before they run.

-- The permission of an Azure scope (a resource id, an authorization scope, a role assignment scope):
-- `sub/<subscription id>/rg/<resource group>` (resources below a group count as the group), `sub/<id>`
-- with `by_subscription` or above any group, `mg/<management group>`; NULL for anything else.
-- Ids and names are case-insensitive in Azure (the same log writes resourceGroups and resourcegroups).
CREATE OR REPLACE MACRO azure_activity_scope(path, by_subscription) AS CASE
  WHEN regexp_matches(path, '^/subscriptions/[^/]+', 'i') THEN
    'sub/' || lower(regexp_extract(path, '^/subscriptions/([^/]+)', 1, 'i'))
    || CASE WHEN NOT by_subscription AND regexp_matches(path, '^/subscriptions/[^/]+/resourceGroups/[^/]+', 'i')
            THEN '/rg/' || lower(regexp_extract(path, '^/subscriptions/[^/]+/resourceGroups/([^/]+)', 1, 'i')) ELSE '' END
  WHEN regexp_matches(path, '^/providers/Microsoft\.Management/managementGroups/[^/]+', 'i') THEN
    'mg/' || lower(regexp_extract(path, '^/providers/Microsoft\.Management/managementGroups/([^/]+)', 1, 'i'))
END;

-- An activity-log event's fields as JSON fragments, the event parsed once (events.sql reads them with
-- lapse_json_str). The diagnostic export, `az monitor activity-log list` and the Python SDK's snake_case.
CREATE OR REPLACE MACRO azure_activity_event(rec) AS json_transform(rec, '{
  "time": "JSON", "eventTimestamp": "JSON", "event_timestamp": "JSON", "resultType": "JSON", "status": "JSON",
  "category": "JSON", "properties": {"eventCategory": "JSON", "caller": "JSON"},
  "operationName": "JSON", "operation_name": {"value": "JSON"},
  "authorization": {"action": "JSON", "scope": "JSON"},
  "identity": {
    "authorization": {"action": "JSON", "scope": "JSON", "evidence": {"roleAssignmentScope": "JSON", "principalType": "JSON"}},
    "claims": {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "JSON", "upn": "JSON", "idtyp": "JSON"}},
  "claims": {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "JSON", "idtyp": "JSON"},
  "resourceId": "JSON", "resource_id": "JSON", "caller": "JSON",
  "eventDataId": "JSON", "event_data_id": "JSON", "correlationId": "JSON", "id": "JSON"}');

-- A field that is a string, or an object {value, localizedValue} (`az` prints status, category and
-- operationName so): its text; NULL for anything else.
CREATE OR REPLACE MACRO azure_activity_text(v) AS CASE
  WHEN starts_with(v::VARCHAR, '{') THEN lapse_json_str(json_extract(v, '$."value"')) ELSE lapse_json_str(v) END;
