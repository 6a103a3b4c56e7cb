-- Macros of the azure_activity connector, created by events() and the grants query before they run.

-- The permission of an Azure scope (a resource id, an authorization scope, a role assignment scope):
-- `sub/<subscription id>/rg/<resource group>` (resources below a group count as the group), `sub/<id>`
-- with `by_subscription` or above any group, `mg/<management group>`; NULL for anything else.
-- Ids and names are case-insensitive in Azure (the same log writes resourceGroups and resourcegroups).
CREATE OR REPLACE MACRO azure_activity_scope_of(m, by_subscription) AS CASE
  WHEN m.sub <> '' THEN 'sub/' || lower(m.sub) || CASE WHEN NOT by_subscription AND m.rg <> '' THEN '/rg/' || lower(m.rg) ELSE '' END
  WHEN m.mg <> '' THEN 'mg/' || lower(m.mg)
END;

-- One regular expression finds the parts (a match per part costs as much as the whole).
CREATE OR REPLACE MACRO azure_activity_scope(path, by_subscription) AS azure_activity_scope_of(
  regexp_extract(path, '^(?:/subscriptions/([^/]+)(?:/resourceGroups/([^/]+))?|/providers/Microsoft\.Management/managementGroups/([^/]+))',
                 ['sub', 'rg', 'mg'], 'i'),
  by_subscription);

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

-- An operation (lower case) that writes: `…/write`, `…/delete` or `…/action`.
CREATE OR REPLACE MACRO azure_activity_is_write(op) AS
  ends_with(op, '/write') OR ends_with(op, '/delete') OR ends_with(op, '/action');
