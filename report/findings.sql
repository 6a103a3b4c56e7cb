-- The report's run's findings, as its findings document has them: everything but resolutions of earlier
-- runs (the findings file keeps those as history).
-- Inputs: $findings (VARCHAR): local path of findings/as_of=<day>/findings.parquet; $as_of (DATE).
-- Output: report_findings, with the findings file's columns.
CREATE OR REPLACE TEMP TABLE report_findings AS
SELECT * FROM read_parquet($findings) WHERE status <> 'resolved' OR resolved_on = $as_of::DATE;
