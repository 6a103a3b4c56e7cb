-- The batch table: what summarize.sql produces for one batch, filled in parts (the connector's events,
-- then a row pair per unreadable file), read by usage.sql, quarantine.sql, skipped.sql and ledger.sql.
-- Input:  none.
-- Output: lapse_batch (temp table), empty, with summarize.sql's columns.
CREATE OR REPLACE TEMP TABLE lapse_batch (
  file VARCHAR, day DATE, principal VARCHAR, permission VARCHAR, drop_reason VARCHAR, quarantine BOOLEAN,
  q_ord BIGINT, q_sub BIGINT, q_raw VARCHAR, g BOOLEAN, n BIGINT, first_seen TIMESTAMPTZ, last_seen TIMESTAMPTZ, min_ord BIGINT
)
