-- Okta System Log lines read by DuckDB's typed reader → the fields events.sql judges (the fast path:
-- typedLines in connectors/_shared/json-records.ts, columns in connector.ts).
-- Input:  typed_lines (file, ord, published, eventType, uuid JSON, actor STRUCT(alternateId, type JSON),
--         outcome STRUCT(result JSON), target STRUCT(id, type, displayName JSON)[], "detail-type" JSON,
--         foreign_keys: a key by which lapse_looks_like tells another format first).
-- Output: okta_fields (see events.sql); typed_suspect marks a line the typed read may not show as it is,
--         own_shape whether lapse_looks_like (sql.ts) would see an Okta event (else a drop needs its text).
-- Parameters: $use_events (VARCHAR[]).
-- Values are JSON fragments: lapse_json_text reads them as json_extract_string does (json-records.ts).
SELECT file, ord, NULL::BIGINT AS sub, NULL::VARCHAR AS raw, NULL::VARCHAR AS bad,
  lapse_json_text(published) AS time_text,
  lapse_json_text(eventType) AS event_type,
  lapse_json_text(uuid) AS event_id,
  lapse_json_text(actor.alternateId) AS login,
  nullif(lapse_json_text(actor.type), 'User') AS actor_type,
  upper(lapse_json_text(outcome.result)) AS result,
  lapse_json_text(app.id) AS app_id,
  lapse_json_text(app.displayName) AS app_name,
  NOT starts_with(eventType, '"') AS bad_event_type,
  coalesce(list_bool_or([NOT starts_with(actor.alternateId, '"'), NOT starts_with(actor.type, '"'),
                         NOT starts_with(outcome.result, '"')]), false) AS wrong_type,
  -- No eventType: not an object, not JSON, or spelled `eventtype`; an EventBridge wrapper; an actor or
  -- outcome that is no object (or an empty one); a use without a target list.
  eventType IS NULL OR "detail-type" IS NOT NULL
    OR (actor IS NOT NULL AND actor.alternateId IS NULL AND actor.type IS NULL)
    OR (outcome IS NOT NULL AND outcome.result IS NULL)
    OR (target IS NULL AND list_contains($use_events, lapse_json_text(eventType))) AS typed_suspect,
  starts_with(eventType, '"') AND starts_with(published, '"') AND actor IS NOT NULL AND NOT foreign_keys AS own_shape
FROM (
  SELECT *,
    -- The first target is the app in Okta's own events: the lambda runs only when it is not.
    CASE WHEN NOT list_contains($use_events, lapse_json_text(eventType)) THEN NULL
         WHEN target[1].type = '"AppInstance"' AND starts_with(target[1].id, '"') THEN target[1]
         ELSE list_filter(target, x -> lapse_json_text(x.type) = 'AppInstance' AND starts_with(x.id, '"'))[1] END AS app
  FROM typed_lines
)
