-- GitHub audit-log lines read by DuckDB's typed reader → the fields events.sql judges (the fast path:
-- typedLines in connectors/_shared/json-records.ts, columns in connector.ts).
-- Input:  typed_lines (file, ord, "@timestamp", at_sign_timestamp, created_at, _document_id, actor_is_bot,
--         action, actor, org, repo, repository, "user" JSON: lapse_json_text reads them as json_extract_string
--         does, and the type of the last six is checked; foreign_keys: a key by which lapse_looks_like tells
--         another format first).
-- Output: github_fields (see events.sql); typed_suspect marks a line the typed read may not show as it is
--         (none of the fields: not an object, not JSON, a list…), own_shape whether lapse_looks_like
--         (sql.ts) would see a GitHub entry (else a drop needs its text).
SELECT file, ord, NULL::BIGINT AS sub, NULL::VARCHAR AS raw, NULL::VARCHAR AS bad,
  lapse_json_text("@timestamp") AS at_timestamp, lapse_json_text(at_sign_timestamp) AS at_sign_timestamp,
  lapse_json_text(created_at) AS created_at,
  lapse_json_text(action) AS action, lapse_json_text(actor) AS actor, lapse_json_text(org) AS org,
  lapse_json_text(repo) AS repo, lapse_json_text(repository) AS repository, lapse_json_text(_document_id) AS document_id,
  lapse_json_text(actor_is_bot) AS actor_is_bot, lapse_json_text("user") AS affected_user,
  coalesce(list_bool_or([NOT starts_with(action, '"'), NOT starts_with(actor, '"'), NOT starts_with(org, '"'),
    NOT starts_with(repo, '"'), NOT starts_with(repository, '"'), NOT starts_with("user", '"')]), false) AS wrong_type,
  "@timestamp" IS NULL AND at_sign_timestamp IS NULL AND created_at IS NULL AND action IS NULL AND actor IS NULL
    AND org IS NULL AND repo IS NULL AND repository IS NULL AND _document_id IS NULL AND actor_is_bot IS NULL
    AND "user" IS NULL AS typed_suspect,
  starts_with(action, '"') AND starts_with(actor, '"') AND ("@timestamp" IS NOT NULL OR created_at IS NOT NULL)
    AND NOT foreign_keys AS own_shape
FROM typed_lines
