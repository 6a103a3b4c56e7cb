#!/usr/bin/env bash
# Exports Google Workspace grants for lapse's google_workspace grants reader
# (`grants: { path: grants/workspace/, format: native }`):
#
#   users.jsonl    {primaryEmail, orgUnitPath}                       Directory API users.list
#   tokens.jsonl   {user, clientId, displayText, scopes, …}          Directory API tokens.list, per user
#   groups.jsonl   {group, members: [email…]}                        members of the groups SAML_APPS names
#
# SAML app assignments have no API: write them down as saml-apps.jsonl yourself, one line per app and
# org unit or group it is ON for (Admin console > Apps > Web and mobile apps > the app > User access):
#   {"application_name": "Jira Cloud", "org_unit": "/Engineering"}
#   {"application_name": "Slack", "group": "all@corp.example"}
# and pass it as SAML_APPS to have its groups expanded.
#
# Usage:  [SAML_APPS=saml-apps.jsonl] export-grants.sh OUT_DIR
# Needs:  curl, jq, and an access token in GOOGLE_TOKEN for an admin (or a service account with domain-wide
#         delegation) with the scopes admin.directory.user.readonly, admin.directory.user.security and
#         admin.directory.group.member.readonly (`gcloud auth print-access-token --scopes=…`).
set -euo pipefail
OUT=${1:?usage: export-grants.sh OUT_DIR}
mkdir -p "$OUT"
API=https://admin.googleapis.com/admin/directory/v1

# Every item of every page of a Directory API list (`items`, or `users`/`members` by kind), one a line.
page() {
  local url=$1 field=$2 token=''
  while :; do
    local body
    body=$(curl -fsS -H "Authorization: Bearer $GOOGLE_TOKEN" "$url${token:+&pageToken=$token}")
    jq -c ".${field}[]?" <<<"$body"
    token=$(jq -r '.nextPageToken // empty' <<<"$body")
    [[ -n "$token" ]] || break
  done
}

page "$API/users?customer=my_customer&maxResults=500&projection=basic" users |
  jq -c '{primaryEmail, orgUnitPath}' >"$OUT/users.jsonl"

jq -r .primaryEmail "$OUT/users.jsonl" | while read -r user; do
  page "$API/users/$user/tokens?" items | jq -c --arg u "$user" '. + {user: $u}'
done >"$OUT/tokens.jsonl"

: >"$OUT/groups.jsonl"
if [[ -n "${SAML_APPS:-}" ]]; then
  jq -r '.group // empty' "$SAML_APPS" | sort -u | while read -r group; do
    page "$API/groups/$group/members?includeDerivedMembership=true&maxResults=200" members |
      jq -r 'select(.type == "USER") | .email' | jq -Rsc --arg g "$group" '{group: $g, members: split("\n") | map(select(. != ""))}'
  done >"$OUT/groups.jsonl"
fi
