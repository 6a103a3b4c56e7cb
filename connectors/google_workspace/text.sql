-- google_workspace, the text path: activities as JSON text → `listed`, which judge.sql judges.
-- Input:  gws_records (file, ord, sub, rec JSON, raw, bad): one row per activity (json-records.ts); an
--         `activities.list` page `{"items": […]}` is expanded.
-- Output: a list of CTEs ending in `listed` (file, ord, sub, raw, bad, time_text, app, email, caller_type,
--         event_id, kind_name, evs: the events as a list of {name, parameters} JSON fragments).
-- Three shapes: the API's (`events` an array of {type, name, parameters: [{name, value|multiValue|…}]}),
-- Elastic's one event per document (`events` an object) and Panther's flattening (type, name, and
-- `parameters` as a {name: value} object at the top level).
-- The activity parsed once (google_workspace_activity, macros.sql), its fields JSON fragments; strings only
-- (and numbers for the id): a value of another JSON type is as good as absent.
fields AS (
  SELECT file, ord, sub, raw, bad,
    lapse_json_str(d.id.time) AS time_text, lower(lapse_json_str(d.id.applicationName)) AS app,
    lower(nullif(trim(lapse_json_str(d.actor.email)), '')) AS email, lapse_json_str(d.actor.callerType) AS caller_type,
    lapse_json_scalar(d.id.uniqueQualifier) AS event_id, d.events AS events, lapse_json_str(d.name) AS flat_name,
    d.parameters AS flat_params, lapse_json_str(d.kind) AS kind_name
  FROM (SELECT *, CASE WHEN bad IS NULL THEN google_workspace_activity(rec) END AS d FROM gws_records)
),
-- The activity's events as a list of {name, parameters}: the API's array, Elastic's object, Panther's top level.
listed AS (
  SELECT *, google_workspace_events(events, flat_name, flat_params) AS evs
  FROM fields
)
