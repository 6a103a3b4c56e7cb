#!/usr/bin/env bash
# Exports IAM Identity Center account assignments as JSON Lines for lapse's aws_cloudtrail grants
# reader (`grants: { path: identity-center-assignments.jsonl, format: native }`).
#
# One line per user who holds a permission set in an account, directly or through a group:
#   {"AccountId":"123456789012","AccountName":"corp-prod","PermissionSetArn":"arn:aws:sso:::permissionSet/ssoins-…/ps-…",
#    "PermissionSetName":"DataEngineer","PrincipalType":"GROUP","PrincipalId":"<group id>",
#    "GroupName":"data-eng","UserId":"<user id>","UserName":"alice@corp.example"}
# (PrincipalType USER lines have no GroupName; PrincipalId is then the user's id. AccountName, the account's
# name in AWS Organizations, labels the grant for people: empty when it cannot be read.)
#
# Usage:  export-assignments.sh > identity-center-assignments.jsonl
# Needs:  AWS CLI v2 and jq; credentials of the Identity Center management account (or its delegated
#         administrator) allowed sso:ListInstances, sso:ListPermissionSets, sso:DescribePermissionSet,
#         sso:ListAccountsForProvisionedPermissionSet, sso:ListAccountAssignments,
#         identitystore:DescribeUser, identitystore:DescribeGroup, identitystore:ListGroupMemberships,
#         organizations:DescribeAccount (for AccountName; without it the lines have none).
# The AWS CLI follows pagination itself. Docs: https://docs.aws.amazon.com/cli/latest/reference/sso-admin/
set -euo pipefail

read -r INSTANCE STORE < <(aws sso-admin list-instances \
  --query 'Instances[0].[InstanceArn,IdentityStoreId]' --output text)

# User names by id, looked up once each (sets USER_NAME; no subshell, so the cache persists).
declare -A USER_NAMES
lookup_user() {
  if [[ -z "${USER_NAMES[$1]:-}" ]]; then
    USER_NAMES[$1]=$(aws identitystore describe-user --identity-store-id "$STORE" --user-id "$1" \
      --query UserName --output text)
  fi
  USER_NAME=${USER_NAMES[$1]}
}

# Account names by id, looked up once each (sets ACCOUNT_NAME; empty when Organizations will not say).
declare -A ACCOUNT_NAMES
lookup_account() {
  if [[ -z "${ACCOUNT_NAMES[$1]+set}" ]]; then
    ACCOUNT_NAMES[$1]=$(aws organizations describe-account --account-id "$1" --query Account.Name --output text 2>/dev/null || true)
  fi
  ACCOUNT_NAME=${ACCOUNT_NAMES[$1]}
}

for PS in $(aws sso-admin list-permission-sets --instance-arn "$INSTANCE" --query 'PermissionSets[]' --output text); do
  PS_NAME=$(aws sso-admin describe-permission-set --instance-arn "$INSTANCE" --permission-set-arn "$PS" \
    --query 'PermissionSet.Name' --output text)
  for ACCOUNT in $(aws sso-admin list-accounts-for-provisioned-permission-set --instance-arn "$INSTANCE" \
      --permission-set-arn "$PS" --query 'AccountIds[]' --output text); do
    lookup_account "$ACCOUNT"
    # fd 3, so that no command in the loop can swallow the assignments from stdin.
    while read -r TYPE ID <&3; do
      BASE=$(jq -nc --arg a "$ACCOUNT" --arg an "$ACCOUNT_NAME" --arg arn "$PS" --arg n "$PS_NAME" --arg t "$TYPE" --arg id "$ID" \
        '{AccountId: $a, PermissionSetArn: $arn, PermissionSetName: $n, PrincipalType: $t, PrincipalId: $id}
         + (if $an == "" then {} else {AccountName: $an} end)')
      if [[ "$TYPE" == USER ]]; then
        lookup_user "$ID"
        jq -c --arg u "$USER_NAME" '. + {UserName: $u}' <<<"$BASE"
        continue
      fi
      GROUP_NAME=$(aws identitystore describe-group --identity-store-id "$STORE" --group-id "$ID" \
        --query DisplayName --output text)
      for MEMBER in $(aws identitystore list-group-memberships --identity-store-id "$STORE" --group-id "$ID" \
          --query 'GroupMemberships[].MemberId.UserId' --output text); do
        lookup_user "$MEMBER"
        jq -c --arg g "$GROUP_NAME" --arg uid "$MEMBER" --arg u "$USER_NAME" \
          '. + {GroupName: $g, UserId: $uid, UserName: $u}' <<<"$BASE"
      done
    done 3< <(aws sso-admin list-account-assignments --instance-arn "$INSTANCE" --account-id "$ACCOUNT" \
      --permission-set-arn "$PS" --query 'AccountAssignments[].[PrincipalType,PrincipalId]' --output text)
  done
done
