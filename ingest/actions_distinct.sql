-- The batch's distinct actions as logged, for the connector's mapper (connectors/actions.ts).
-- Input:  lapse_batch_actions.
-- Output: action, one row each, sorted.
SELECT DISTINCT action FROM lapse_batch_actions ORDER BY 1
