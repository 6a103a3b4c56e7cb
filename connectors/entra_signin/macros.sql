-- Macros of the entra_signin connector, created by events() before its query runs.

-- A record's fields as JSON fragments, the record parsed once (events.sql reads them with lapse_json_str
-- and lapse_json_scalar, connectors/_shared/json-records.ts): the diagnostic export's top level, the
-- unified audit log's, and the sign-in's both at the top (Graph's signIn) and under `properties`.
-- STRUCT field names are case-insensitive, so Panther's `resulttype` and the audit log's `Id` are read
-- apart (events.sql).
CREATE OR REPLACE MACRO entra_signin_record(rec) AS json_transform(rec, '{
  "time": "JSON", "category": "JSON", "resultType": "JSON",
  "CreationTime": "JSON", "Workload": "JSON", "Operation": "JSON", "UserId": "JSON", "ApplicationId": "JSON",
  "ResultStatus": "JSON", "UserType": "JSON",
  "createdDateTime": "JSON", "userPrincipalName": "JSON", "appId": "JSON", "appDisplayName": "JSON",
  "status": {"errorCode": "JSON"}, "id": "JSON", "servicePrincipalId": "JSON", "signInEventTypes": "JSON", "isInteractive": "JSON",
  "properties": {
    "createdDateTime": "JSON", "userPrincipalName": "JSON", "appId": "JSON", "appDisplayName": "JSON",
    "status": {"errorCode": "JSON"}, "id": "JSON", "servicePrincipalId": "JSON", "signInEventTypes": "JSON", "isInteractive": "JSON"}}');
