-- GitHub org members and repository collaborators → grants, named as the audit-log side names them.
-- Input:  github_records (file, ord, sub, rec JSON, raw, bad) over the export (okta_system_log/json-records.ts):
--         user objects of `GET /orgs/{org}/members` enriched with `org`, and of
--         `GET /repos/{owner}/{repo}/collaborators` enriched with `repo` (`owner/name`); optional `team`,
--         `via`, `granted_at`. See connectors/github_audit/README.md for the `gh api` commands.
-- Output: (file, ord, raw, bad, v) with v = [principal, permission, granted_at, via, label] (ingest/grants.sql);
--         label: the repository's (or organization's) full name as GitHub spells it, when that is not all lower
--         case (the permission is lower-cased).
-- Parameters: $unit ('repo' | 'org'): with 'org', a collaborator holds `org/<owner>`.
WITH
fields AS (
  SELECT file, ord, raw, bad,
    s[1] AS login, s[2] AS org, s[4] AS granted_at, s[5] AS team, s[6] AS via,
    -- `repo` is `owner/name`; a bare name is completed with `org`.
    CASE WHEN contains(s[3], '/') THEN s[3] WHEN s[3] IS NOT NULL AND s[2] IS NOT NULL THEN s[2] || '/' || s[3] END AS repo
  FROM (
    SELECT *,
      -- Only string values: a number or object where a name belongs is not a name.
      list_transform(['$."login"', '$."org"', '$."repo"', '$."granted_at"', '$."team"', '$."via"'],
        p -> CASE WHEN json_type(rec, p) = 'VARCHAR' THEN nullif(trim(json_extract_string(rec, p)), '') END) AS s
    FROM github_records
    -- An empty page holds no grant.
    WHERE bad IS DISTINCT FROM 'empty_list'
  )
),
owned AS (
  SELECT *, nullif(coalesce(org, split_part(repo, '/', 1)), '') AS owner FROM fields
)
SELECT file, ord, raw, bad,
  CASE WHEN bad IS NULL THEN [
    login,
    -- Lower case, as the log side: GitHub names are case-insensitive.
    CASE WHEN $unit = 'repo' AND repo IS NOT NULL THEN 'repo/' || lower(repo)
         WHEN owner IS NOT NULL THEN 'org/' || lower(owner) END,
    granted_at,
    coalesce(via, 'group:' || team, 'direct'),
    CASE WHEN $unit = 'repo' AND repo IS NOT NULL THEN nullif(repo, lower(repo)) ELSE nullif(owner, lower(owner)) END
  ] END AS v
FROM owned
