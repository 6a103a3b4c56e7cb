-- CloudTrail log files read by DuckDB's typed reader (the fast path) → one row per record for records.sql.
-- Input:  aws_cloudtrail_typed_src(file, ord, Records RECORD[]): one row per line of a file whose lines are
--         JSON, read strictly (a line that is not JSON, or a value of another type, fails the read, and
--         the batch takes the text path: documents.sql).
-- Output: `records` as documents.sql gives it for log files, rec and raw NULL (a quarantined record's text
--         comes from the text path: connector.ts re-reads its file). A line that is not a non-empty log
--         file gives one row with doc_reason 'not_a_log_file', so its file too is read as text.
-- Performance: the unnest zips a one-element list beside Records, so a non-log-file line keeps its row
--         without a CASE copying every log file's records (documents.sql does the same).
records AS (
  SELECT file, ord, NULL::JSON AS rec, is_log_file,
    CASE WHEN NOT is_log_file THEN 'not_a_log_file' END AS doc_reason,
    NULL::VARCHAR AS outer_time,
    CASE WHEN is_log_file THEN sub END AS sub,
    e,
    NULL::VARCHAR AS raw
  FROM (
    SELECT file, ord, is_log_file,
      unnest(Records) AS e,
      generate_subscripts(Records, 1) AS sub,
      unnest(CASE WHEN NOT is_log_file THEN [true] END) AS one
    FROM (SELECT *, coalesce(len(Records) > 0, false) AS is_log_file FROM aws_cloudtrail_typed_src)
  )
)
