-- Validates a staged grants snapshot and folds duplicate rows (one grant reached two ways).
-- Input:  lapse_grants_raw (file, ord, raw, bad, v = [principal, permission, granted_at, via, label]); a
--         reader without labels gives a four-item v (v[5] reads NULL).
-- Output: one row per input record: the grant's fields, or `bad` naming why it was refused. `label` is the
--         permission's display name (optional, never a key).
SELECT
  file,
  ord,
  raw,
  CASE
    WHEN bad IS NOT NULL THEN bad
    WHEN principal IS NULL THEN 'missing_principal'
    WHEN permission IS NULL THEN 'missing_permission'
    WHEN granted_text IS NOT NULL AND (granted IS NULL OR NOT lapse_plausible(granted)) THEN 'bad_granted_at'
  END AS bad,
  principal,
  permission,
  granted::DATE AS granted_at,
  via,
  label
FROM (
  SELECT *, lapse_time(granted_text) AS granted
  FROM (
    SELECT file, ord, raw, bad,
      nullif(trim(v[1]), '') AS principal,
      nullif(trim(v[2]), '') AS permission,
      nullif(trim(v[3]), '') AS granted_text,
      nullif(trim(v[4]), '') AS via,
      nullif(trim(v[5]), '') AS label
    FROM lapse_grants_raw
  )
)
