-- GitHub audit-log entries as text → the fields events.sql judges (the text path: jsonRecords).
-- Input:  github_records (file, ord, sub, rec JSON, raw, bad): one row per audit-log entry (json-records.ts).
-- Output: github_fields (see events.sql), one row per input record; typed_suspect and own_shape NULL.
SELECT file, ord, sub, raw, bad,
  v[1] AS at_timestamp, v[2] AS at_sign_timestamp, v[3] AS created_at, v[4] AS action, v[5] AS actor,
  v[6] AS org, v[7] AS repo, v[8] AS repository, v[9] AS document_id, v[10] AS actor_is_bot, v[11] AS affected_user,
  -- A field present with another JSON type than a string makes the record malformed.
  list_bool_or(list_transform(ty, x -> x NOT IN ('VARCHAR', 'NULL'))) AS wrong_type,
  NULL::BOOLEAN AS typed_suspect, NULL::BOOLEAN AS own_shape
FROM (
  SELECT *,
    CASE WHEN bad IS NULL THEN json_extract_string(rec, [
      '$."@timestamp"', '$."at_sign_timestamp"', '$."created_at"', '$."action"', '$."actor"', '$."org"',
      '$."repo"', '$."repository"', '$."_document_id"', '$."actor_is_bot"', '$."user"']) END AS v,
    CASE WHEN bad IS NULL THEN json_type(rec, [
      '$."action"', '$."actor"', '$."org"', '$."repo"', '$."repository"', '$."user"']) END AS ty
  FROM github_records
)
