-- IAM Identity Center account assignments → grants: who holds which permission set in which account.
-- Input:  aws_cloudtrail_src(file, ord, rec JSON, bad) over the export (scan.ts): JSON Lines (or JSON
--         arrays) of objects as written by export-assignments.sh, one per user holding the assignment:
--         {AccountId, PermissionSetName, PrincipalType USER|GROUP, UserName, GroupName?, CreatedDate?,
--         AccountName? (AWS Organizations' name of the account), AccountAlias? (the IAM account alias)}.
-- Output: (file, ord, raw, bad, v) with v = [principal, permission, granted_at, via, label] (ingest/grants.sql);
--         label: <account name or alias>/<PermissionSetName> when the record names the account, else NULL.
-- Names match the log side (events.sql): principal = the user name, lower-cased when it is an e-mail
-- (Identity Center sessions are named after it); permission = <AccountId>/<PermissionSetName>.
WITH objects AS (
  SELECT file, ord, bad,
    unnest(CASE WHEN bad IS NULL AND json_type(rec) = 'ARRAY' THEN json_extract(rec, '$[*]') ELSE [rec] END) AS o
  FROM (
    SELECT file, ord, rec,
      CASE WHEN bad IS NOT NULL THEN bad WHEN rec IS NULL THEN 'malformed_json'
           WHEN json_type(rec) NOT IN ('OBJECT', 'ARRAY') THEN 'not_an_object' END AS bad
    FROM aws_cloudtrail_src
  )
),
fields AS (
  SELECT file, ord, o::VARCHAR AS raw,
    CASE WHEN bad IS NOT NULL THEN bad WHEN json_type(o) <> 'OBJECT' THEN 'not_an_object' END AS bad,
    -- Only string values: a number or object where a name belongs is not a name.
    list_transform(['$.UserName', '$.AccountId', '$.PermissionSetName', '$.CreatedDate', '$.PrincipalType',
                    '$.GroupName', '$.PrincipalId', '$.AccountName', '$.AccountAlias'],
      p -> CASE WHEN json_type(o, p) = 'VARCHAR' THEN nullif(trim(json_extract_string(o, p)), '') END) AS s
  FROM objects
)
SELECT file, ord, raw, bad,
  CASE WHEN bad IS NULL THEN [
    CASE WHEN contains(s[1], '@') THEN lower(s[1]) ELSE s[1] END,
    s[2] || '/' || s[3],
    s[4],
    CASE WHEN upper(s[5]) = 'GROUP' THEN 'group:' || coalesce(s[6], s[7], 'unknown') ELSE 'direct' END,
    coalesce(s[8], s[9]) || '/' || s[3]
  ] END AS v
FROM fields
