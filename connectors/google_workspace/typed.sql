-- google_workspace, the typed path: activity lines read by DuckDB's typed reader → `listed` for judge.sql.
-- Input:  gws_typed (file, ord, id, actor, events, kind, name, parameters, items): one row per line, read
--         strictly with JSON at the leaves (connector.ts: a line that is not an object, or a container of
--         another type, fails the read and the batch takes the text path).
-- Output: `listed` as text.sql gives it (raw NULL). A line not of the API's shape (Panther's flattening:
--         a top-level name or parameters; an activities.list page: items) gets bad = 'not_the_api_shape',
--         so connector.ts hands its file to the text path.
listed AS (
  SELECT file, ord, NULL::BIGINT AS sub, NULL::VARCHAR AS raw,
    CASE WHEN items IS NOT NULL OR (events IS NULL AND (name IS NOT NULL OR parameters IS NOT NULL))
         THEN 'not_the_api_shape' END AS bad,
    lapse_json_str(id.time) AS time_text, lower(lapse_json_str(id.applicationName)) AS app,
    lower(nullif(trim(lapse_json_str(actor.email)), '')) AS email, lapse_json_str(actor.callerType) AS caller_type,
    lapse_json_scalar(id.uniqueQualifier) AS event_id, lapse_json_str(kind) AS kind_name,
    coalesce(events, []) AS evs
  FROM gws_typed
)
