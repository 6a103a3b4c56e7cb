-- Each holder of each grantable unit, with what they used in the window (lapse rightsize).
-- Input:  lapse_grants (aggregate: the newest grants snapshot), lapse_action_uses (aggregate: uses per
--         (system, principal, permission, action) over the window).
-- Params: $systems VARCHAR[]: the systems to judge.
-- Output: lapse_rightsize_holders: one row per (system, permission, role, principal); role is the role a
--         binding names (via role:<name>: GCP and Kubernetes bindings, GitHub API collaborators), else NULL;
--         since: the day the holder had it from (granted_at, else the first snapshot that showed it);
--         used: the actions the holder used under that permission, with uses, active days and last use;
--         iam false: an event the system's authorisation model does not name (kept, never judged).
CREATE OR REPLACE TEMP TABLE lapse_rightsize_holders AS
WITH held AS (
  SELECT system, permission, principal,
    CASE WHEN starts_with(via, 'role:') THEN nullif(substr(via, 6), '') END AS role,
    min(coalesce(granted_at, first_seen)) AS since,
    any_value(label) AS label
  FROM lapse_grants
  WHERE list_contains($systems, system)
  GROUP BY ALL
)
SELECT h.system, h.permission, h.role, h.principal, h.since::VARCHAR AS since, h.label,
  coalesce(list(struct_pack(action := u.action, iam := u.iam, uses := u.uses, days := u.days, last_seen := u.last_seen::VARCHAR)
    ORDER BY u.action) FILTER (WHERE u.action IS NOT NULL), []) AS used
FROM held h
-- Principals compare case-blind, as the action summaries keep them lower case.
LEFT JOIN lapse_action_uses u ON u.system = h.system AND lower(u.principal) = lower(h.principal) AND u.permission = h.permission
GROUP BY ALL
ORDER BY h.system, h.permission, h.role NULLS FIRST, h.principal
