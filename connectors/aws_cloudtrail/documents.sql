-- CloudTrail lines and documents as text → one row per record (the text path; typed.sql is the fast one).
-- Input:  aws_cloudtrail_src(file, ord, rec JSON, bad): one row per line or document; rec is NULL
--         when it is not JSON, bad names why a file could not be read (built by scan.ts).
--         Macros: macros.sql.
-- Output: a list of CTEs ending in `records` (file, ord, rec, is_log_file, doc_reason, outer_time, sub, e, raw),
--         which records.sql judges: a log file `{"Records":[...]}` gives one row per record (sub = its
--         1-based index), any other line or document gives one row (sub NULL).
-- Performance: each line or document is parsed once (json_transform); per-document work happens
-- before the unnest, because expressions beside an unnest run once per output row.
docs AS (
  SELECT file, ord, rec, bad, aws_cloudtrail_doc(rec) AS d FROM aws_cloudtrail_src
),
shapes AS (
  SELECT file, ord, rec, d,
    coalesce(len(d.Records) > 0, false) AS is_log_file,
    CASE
      WHEN bad IS NOT NULL THEN bad
      WHEN rec IS NULL THEN 'malformed_json'
      WHEN NOT starts_with(rec, '{') THEN 'not_an_object'
      WHEN len(d.Records) > 0 THEN NULL
      WHEN d.digestStartTime IS NOT NULL THEN 'digest_file'
      WHEN len(d.Records) = 0 THEN 'empty_log_file'
      -- json_transform gives NULL for a Records that is not a list; the cheap test guards the exact one.
      WHEN d.Records IS NULL AND contains(rec, '"Records"') AND json_exists(rec, '$.Records') THEN 'bad_records'
      WHEN d.CloudTrailEvent IS NOT NULL AND NOT json_valid(d.CloudTrailEvent) THEN 'malformed_json'
    END AS doc_reason
  FROM docs
),
singles AS (
  -- A line or document that is not a log file is one record (or one drop), kept in its own column:
  -- a CASE choosing between it and the file's Records list would copy every log file's records.
  SELECT file, ord, rec, d, is_log_file, doc_reason,
    CASE
      WHEN is_log_file OR doc_reason IS NOT NULL THEN NULL
      WHEN d.CloudTrailEvent IS NOT NULL THEN aws_cloudtrail_inner(d.CloudTrailEvent)
      ELSE aws_cloudtrail_self(d)
    END AS single,
    -- A STRUCT cannot hold both eventTime and LookupEvents' EventTime: read the latter on its own.
    CASE WHEN d.CloudTrailEvent IS NOT NULL THEN json_extract_string(rec, '$.EventTime') END AS outer_time,
    -- A log-file record's own text is needed only for the quarantine: split the file as text only then.
    CASE WHEN is_log_file AND list_bool_or(list_transform(d.Records, e -> aws_cloudtrail_suspect(e)))
         THEN json_extract(rec, '$.Records[*]') END AS record_texts
  FROM shapes
),
items AS (
  -- An unnest drops the row of an empty list: a one-element list keeps each non-log-file row.
  SELECT file, ord, rec, doc_reason, is_log_file, outer_time, single,
    unnest(d.Records) AS record,
    generate_subscripts(d.Records, 1) AS sub,
    unnest(record_texts) AS record_text,
    unnest(CASE WHEN NOT is_log_file THEN [true] END) AS one
  FROM singles
),
records AS (
  SELECT file, ord, rec, is_log_file, doc_reason, outer_time,
    CASE WHEN is_log_file THEN sub END AS sub,
    CASE WHEN is_log_file THEN record ELSE single END AS e,
    CASE WHEN is_log_file THEN record_text ELSE rec END AS raw
  FROM items
)
