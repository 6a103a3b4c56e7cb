-- The report's run's findings, as its findings document has them: everything but resolutions of earlier
-- runs (the findings file keeps those as history).
-- Inputs: $findings (VARCHAR): local path of findings/as_of=<day>/findings.parquet; $as_of (DATE).
-- Output: report_findings, with the findings file's columns (label NULL in a file written before labels).
CREATE OR REPLACE TEMP TABLE report_findings AS
SELECT * FROM (SELECT * FROM read_parquet($findings) UNION ALL BY NAME SELECT NULL::VARCHAR AS label WHERE false)
WHERE status <> 'resolved' OR resolved_on = $as_of::DATE;
