import type { ActionMapper, MappedAction } from '../_shared/actions.js';

/**
 * The repository role an audit-log action needs (events.sql's action, e.g. `git.push`), from GitHub's
 * "Repository roles for an organization" (the permissions of each role) and "Audit log events for your
 * organization" (what each entry records):
 * https://docs.github.com/en/organizations/managing-user-access-to-your-organizations-repositories/managing-repository-roles/repository-roles-for-an-organization
 * https://docs.github.com/en/organizations/keeping-your-organization-secure/managing-security-settings-for-your-organization/audit-log-events-for-your-organization
 * Where the docs leave a doubt the higher role is named: a recommendation built on it never takes away
 * what the action needs. An action not listed (organization, team, enterprise and account entries, which
 * need no repository role) is kept as logged, iam false.
 */

/** From least access to most, as GitHub orders them. */
export const ROLES = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Exact actions. */
export const ROLE_OF_ACTION: Readonly<Record<string, Role>> = {
  // Clone, fetch and pull are git.clone (git.fetch in some streams); downloading an archive is a read.
  'git.clone': 'read',
  'git.fetch': 'read',
  'repo.download_zip': 'read',
  // Opening a pull request and reviewing it: read (from a fork); requesting reviewers, closing: triage.
  'pull_request.create': 'read',
  'pull_request_review.submit': 'read',
  'pull_request_review_comment.create': 'read',
  'pull_request_review_comment.update': 'read',
  'pull_request.create_review_request': 'triage',
  'pull_request.remove_review_request': 'triage',
  'pull_request.close': 'triage',
  'pull_request.reopen': 'triage',
  // Pushing, merging, dismissing reviews, converting to draft, releases and alerts: write.
  'git.push': 'write',
  'pull_request.merge': 'write',
  'pull_request.ready_for_review': 'write',
  'pull_request.converted_to_draft': 'write',
  'issue.transfer': 'write',
  'issue_comment.destroy': 'write',
  'pull_request_review.dismiss': 'write',
  'pull_request_review.delete': 'write',
  'release.create': 'write',
  'release.update': 'write',
  'release.delete': 'write',
  'workflows.delete_workflow_run': 'write',
  'workflows.approve_workflow_job': 'write',
  'workflows.reject_workflow_job': 'write',
  'workflows.cancel_workflow_run': 'write',
  'workflows.rerun_workflow_run': 'write',
  'repository_vulnerability_alert.dismiss': 'write',
  'repository_vulnerability_alert.resolve': 'write',
  'secret_scanning_alert.resolve': 'write',
  'secret_scanning_alert.reopen': 'write',
  // Repository settings a maintainer may change.
  'repo.change_merge_setting': 'maintain',
  'repo.pages_source': 'maintain',
  'repo.update_topics': 'maintain',
  'repo.add_topic': 'maintain',
  'repo.remove_topic': 'maintain',
  // Issue deletion and the rest of the repository's settings, access and life: admin.
  'issue.destroy': 'admin',
  'repo.access': 'admin',
  'repo.archived': 'admin',
  'repo.unarchived': 'admin',
  'repo.destroy': 'admin',
  'repo.rename': 'admin',
  'repo.transfer': 'admin',
  'repo.transfer_start': 'admin',
  'repo.transfer_outgoing': 'admin',
  'repo.add_member': 'admin',
  'repo.remove_member': 'admin',
  'repo.update_member': 'admin',
  'repo.update': 'admin',
  'repo.enable': 'admin',
  'repo.disable': 'admin',
  'repo.actions_enabled': 'admin',
  'repo.create_actions_secret': 'admin',
  'repo.update_actions_secret': 'admin',
  'repo.remove_actions_secret': 'admin',
  'repo.register_self_hosted_runner': 'admin',
  'repo.remove_self_hosted_runner': 'admin',
  'repo.set_actions_fork_pr_approvals_policy': 'admin',
  'repo.set_actions_retention_limit': 'admin',
  'repo.set_default_workflow_permissions': 'admin',
};

/** Whole categories of repository settings: every action of `<category>.` needs the role. */
export const ROLE_OF_CATEGORY: Readonly<Record<string, Role>> = {
  protected_branch: 'admin',
  repository_ruleset: 'admin',
  repository_branch_protection_evaluation: 'admin',
  hook: 'admin',
  public_key: 'admin',
  environment: 'admin',
  repo_secret_scanning: 'admin',
  repository_secret_scanning: 'admin',
  repository_secret_scanning_push_protection: 'admin',
  repository_secret_scanning_custom_pattern: 'admin',
  repository_vulnerability_alerts: 'admin',
  repository_vulnerability_alerts_auto_dismissal: 'admin',
  repository_security_configuration: 'admin',
  repository_advisory: 'admin',
  repository_invitation: 'admin',
  repository_image: 'admin',
  repository_visibility_change: 'admin',
  private_repository_forking: 'admin',
  deploy_key: 'admin',
  repository_dependency_graph: 'admin',
  pages_protected_domain: 'admin',
};

/** The role an action needs, or undefined when it needs no repository role lapse knows. */
export function roleOf(action: string): Role | undefined {
  return ROLE_OF_ACTION[action] ?? ROLE_OF_CATEGORY[action.slice(0, action.indexOf('.'))];
}

export const repositoryRoles: ActionMapper = (raw) =>
  raw.map((r): MappedAction => {
    const role = roleOf(r);
    return role ? { raw: r, action: role, iam: true } : { raw: r, action: r, iam: false };
  });
