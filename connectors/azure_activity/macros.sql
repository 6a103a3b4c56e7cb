-- Macros of the azure_activity connector, created by events() and the grants query before they run.

-- The permission of an Azure scope (a resource id, an authorization scope, a role assignment scope):
-- `sub/<subscription id>/rg/<resource group>` (resources below a group count as the group), `sub/<id>`
-- with `by_subscription` or above any group, `mg/<management group>`; NULL for anything else.
-- Ids and names are case-insensitive in Azure (the same log writes resourceGroups and resourcegroups).
CREATE OR REPLACE MACRO azure_activity_scope(path, by_subscription) AS CASE
  WHEN regexp_matches(path, '^/subscriptions/[^/]+', 'i') THEN
    'sub/' || lower(regexp_extract(path, '^/subscriptions/([^/]+)', 1, 'i'))
    || CASE WHEN NOT by_subscription AND regexp_matches(path, '^/subscriptions/[^/]+/resourceGroups/[^/]+', 'i')
            THEN '/rg/' || lower(regexp_extract(path, '^/subscriptions/[^/]+/resourceGroups/([^/]+)', 1, 'i')) ELSE '' END
  WHEN regexp_matches(path, '^/providers/Microsoft\.Management/managementGroups/[^/]+', 'i') THEN
    'mg/' || lower(regexp_extract(path, '^/providers/Microsoft\.Management/managementGroups/([^/]+)', 1, 'i'))
END;
