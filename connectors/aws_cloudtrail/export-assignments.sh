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
#         export-assignments.sh --policies > policies.jsonl      # what each permission set grants (lapse rightsize)
#         export-assignments.sh --roles >> policies.jsonl        # what each IAM role of this account grants
#
# --policies writes one line per permission set, for `rightsize: { policies: { path: … } }`:
#   {"PermissionSetName":"DataEngineer","PermissionSetArn":"…","InlinePolicy":{<policy document>}|null,
#    "AwsManagedPolicies":[{"Name":"ReadOnlyAccess","Arn":"arn:aws:iam::aws:policy/ReadOnlyAccess","Document":{…}}],
#    "CustomerManagedPolicies":[{"Name":"deploy","Path":"/"}]}
# (a customer managed policy lives in each member account: its document is not read here, and lapse keeps
# what it grants unjudged). Needs sso:ListPermissionSets, sso:DescribePermissionSet,
# sso:GetInlinePolicyForPermissionSet, sso:ListManagedPoliciesInPermissionSet,
# sso:ListCustomerManagedPolicyReferencesInPermissionSet, iam:GetPolicy, iam:GetPolicyVersion.
# --roles writes one line per IAM role of the account the credentials are in (run it in each account):
#   {"AccountId":"123456789012","RoleName":"deploy","InlinePolicies":[{"Name":"…","Document":{…}}],
#    "AttachedPolicies":[{"Name":"…","Arn":"…","Document":{…}}]}
# Needs sts:GetCallerIdentity, iam:ListRoles, iam:ListRolePolicies, iam:GetRolePolicy,
# iam:ListAttachedRolePolicies, iam:GetPolicy, iam:GetPolicyVersion.
# Needs:  AWS CLI v2 and jq; credentials of the Identity Center management account (or its delegated
#         administrator) allowed sso:ListInstances, sso:ListPermissionSets, sso:DescribePermissionSet,
#         sso:ListAccountsForProvisionedPermissionSet, sso:ListAccountAssignments,
#         identitystore:DescribeUser, identitystore:DescribeGroup, identitystore:ListGroupMemberships,
#         organizations:DescribeAccount (for AccountName; without it the lines have none).
# The AWS CLI follows pagination itself. Docs: https://docs.aws.amazon.com/cli/latest/reference/sso-admin/
set -euo pipefail

# A managed policy's document (its default version), as {Name, Arn, Document}.
managed_policy() {
  local VERSION
  VERSION=$(aws iam get-policy --policy-arn "$2" --query Policy.DefaultVersionId --output text)
  aws iam get-policy-version --policy-arn "$2" --version-id "$VERSION" --query PolicyVersion.Document --output json |
    jq -c --arg n "$1" --arg a "$2" '{Name: $n, Arn: $a, Document: .}'
}

export_permission_set_policies() {
  local INSTANCE PS
  INSTANCE=$(aws sso-admin list-instances --query 'Instances[0].InstanceArn' --output text)
  for PS in $(aws sso-admin list-permission-sets --instance-arn "$INSTANCE" --query 'PermissionSets[]' --output text); do
    local NAME INLINE MANAGED CUSTOMER
    NAME=$(aws sso-admin describe-permission-set --instance-arn "$INSTANCE" --permission-set-arn "$PS" \
      --query 'PermissionSet.Name' --output text)
    # The inline policy comes as a JSON string (empty when there is none).
    INLINE=$(aws sso-admin get-inline-policy-for-permission-set --instance-arn "$INSTANCE" --permission-set-arn "$PS" \
      --query InlinePolicy --output json | jq -c 'if . == null or . == "" then null else fromjson end')
    MANAGED=$(aws sso-admin list-managed-policies-in-permission-set --instance-arn "$INSTANCE" --permission-set-arn "$PS" \
        --query 'AttachedManagedPolicies[].[Name,Arn]' --output text |
      while read -r PNAME PARN; do [[ -n "$PARN" ]] && managed_policy "$PNAME" "$PARN"; done | jq -sc .)
    CUSTOMER=$(aws sso-admin list-customer-managed-policy-references-in-permission-set --instance-arn "$INSTANCE" \
      --permission-set-arn "$PS" --query 'CustomerManagedPolicyReferences' --output json | jq -c 'map({Name, Path})')
    jq -nc --arg n "$NAME" --arg arn "$PS" --argjson i "$INLINE" --argjson m "$MANAGED" --argjson c "$CUSTOMER" \
      '{PermissionSetName: $n, PermissionSetArn: $arn, InlinePolicy: $i, AwsManagedPolicies: $m, CustomerManagedPolicies: $c}'
  done
}

export_role_policies() {
  local ACCOUNT ROLE
  ACCOUNT=$(aws sts get-caller-identity --query Account --output text)
  for ROLE in $(aws iam list-roles --query 'Roles[].RoleName' --output text); do
    local INLINE ATTACHED
    INLINE=$(for P in $(aws iam list-role-policies --role-name "$ROLE" --query 'PolicyNames[]' --output text); do
        aws iam get-role-policy --role-name "$ROLE" --policy-name "$P" --query PolicyDocument --output json |
          jq -c --arg n "$P" '{Name: $n, Document: .}'
      done | jq -sc .)
    ATTACHED=$(aws iam list-attached-role-policies --role-name "$ROLE" --query 'AttachedPolicies[].[PolicyName,PolicyArn]' --output text |
      while read -r PNAME PARN; do [[ -n "$PARN" ]] && managed_policy "$PNAME" "$PARN"; done | jq -sc .)
    jq -nc --arg a "$ACCOUNT" --arg r "$ROLE" --argjson i "$INLINE" --argjson m "$ATTACHED" \
      '{AccountId: $a, RoleName: $r, InlinePolicies: $i, AttachedPolicies: $m}'
  done
}

case "${1:-}" in
  --policies) export_permission_set_policies; exit 0 ;;
  --roles) export_role_policies; exit 0 ;;
  '') ;;
  *) echo "usage: $0 [--policies | --roles]" >&2; exit 2 ;;
esac

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
