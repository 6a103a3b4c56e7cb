#!/usr/bin/env bash
# Exports Entra ID app role assignments for lapse's entra_signin grants reader
# (`grants: { path: grants/entra/, format: native }`): three JSON Lines files, records as Microsoft Graph
# returns them.
#
#   service-principals.jsonl  {id, appId, displayName, appRoleAssignedTo: [appRoleAssignment…]}
#   users.jsonl               {id, userPrincipalName}
#   groups.jsonl              {id, displayName, members: [{id, userPrincipalName}…]}  (transitive members)
#
# Usage:  export-assignments.sh OUT_DIR
# Needs:  Azure CLI (`az login`, `az rest` calls Graph with its token) and jq; Graph application or delegated
#         permissions Application.Read.All, User.Read.All, GroupMember.Read.All.
# `az rest` does not follow @odata.nextLink itself: page() does. Only service principals with at least one
# assignment are kept; groups are those some assignment names.
set -euo pipefail
OUT=${1:?usage: export-assignments.sh OUT_DIR}
mkdir -p "$OUT"
GRAPH=https://graph.microsoft.com/v1.0

# Every element of every page of a Graph collection, one JSON object a line.
page() {
  local url=$1
  while [[ -n "$url" ]]; do
    local body
    body=$(az rest --method get --url "$url")
    jq -c '.value[]' <<<"$body"
    url=$(jq -r '."@odata.nextLink" // empty' <<<"$body")
  done
}

page "$GRAPH/servicePrincipals?\$select=id,appId,displayName&\$expand=appRoleAssignedTo" |
  jq -c 'select((.appRoleAssignedTo // []) | length > 0)' >"$OUT/service-principals.jsonl"
page "$GRAPH/users?\$select=id,userPrincipalName" >"$OUT/users.jsonl"

# $expand returns at most 20 assignments or members: list the rest of each where that limit was reached.
jq -r 'select(.appRoleAssignedTo | length >= 20) | .id' "$OUT/service-principals.jsonl" | while read -r sp; do
  page "$GRAPH/servicePrincipals/$sp/appRoleAssignedTo"
done >"$OUT/assignments.jsonl"

jq -r '(.appRoleAssignedTo // [.])[] | select(.principalType == "Group") | .principalId' \
  "$OUT/service-principals.jsonl" "$OUT/assignments.jsonl" | sort -u | while read -r group; do
  name=$(az rest --method get --url "$GRAPH/groups/$group?\$select=displayName" | jq -r .displayName)
  page "$GRAPH/groups/$group/transitiveMembers/microsoft.graph.user?\$select=id,userPrincipalName" |
    jq -sc --arg id "$group" --arg name "$name" '{id: $id, displayName: $name, members: .}'
done >"$OUT/groups.jsonl"
