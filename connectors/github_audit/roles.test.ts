import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { connectorKit } from '../_shared/testkit.js';
import { githubAudit } from './connector.js';
import { ROLES, ROLE_OF_ACTION, ROLE_OF_CATEGORY, repositoryRoles, roleOf } from './roles.js';

const SAMPLES = '/work/shared/samples/github-audit';
const kit = connectorKit(githubAudit, 'github');

describe('GitHub audit actions → the repository role they need', () => {
  test.each([
    ['git.clone', 'read'], ['git.fetch', 'read'], ['pull_request.create', 'read'], ['pull_request.create_review_request', 'triage'],
    ['git.push', 'write'], ['pull_request.merge', 'write'], ['repo.change_merge_setting', 'maintain'],
    ['protected_branch.create', 'admin'], ['protected_branch.policy_override', 'admin'], ['repository_ruleset.update', 'admin'],
    ['hook.create', 'admin'], ['repo.access', 'admin'], ['repo.archived', 'admin'],
  ])('%s needs %s', (action, role) => {
    expect(roleOf(action)).toBe(role);
  });

  test('organization, team and account actions need no repository role: kept as logged', async () => {
    expect(await repositoryRoles(['org.add_member', 'team.create', 'repo.create', 'git.push'])).toEqual([
      { raw: 'org.add_member', action: 'org.add_member', iam: false },
      { raw: 'team.create', action: 'team.create', iam: false },
      { raw: 'repo.create', action: 'repo.create', iam: false },
      { raw: 'git.push', action: 'write', iam: true },
    ]);
  });

  test('every role in the tables is one of GitHub\'s five', () => {
    for (const role of [...Object.values(ROLE_OF_ACTION), ...Object.values(ROLE_OF_CATEGORY)]) expect(ROLES).toContain(role);
  });
});

describe.skipIf(!existsSync(SAMPLES))('GitHub samples → repository roles', () => {
  test('the repository actions of the vendor samples map to roles', async () => {
    const rows = (await kit.parse([join(SAMPLES, 'panther-github-audit-tests.jsonl')])).filter((r) => r.drop_reason === null);
    const byAction = new Map((await repositoryRoles([...new Set(rows.map((r) => r.action!))])).map((m) => [m.raw, m]));
    expect(byAction.get('git.clone')).toMatchObject({ action: 'read', iam: true });
    expect(byAction.get('git.push')).toMatchObject({ action: 'write', iam: true });
    expect(byAction.get('protected_branch.policy_override')).toMatchObject({ action: 'admin', iam: true });
    expect(byAction.get('repo.archived')).toMatchObject({ action: 'admin', iam: true });
    expect(byAction.get('org.update_member')).toMatchObject({ action: 'org.update_member', iam: false });
    // Every use on a repository whose action is a repository action has a role.
    const unnamed = rows.filter((r) => r.permission!.startsWith('repo/') && /^(git|pull_request|protected_branch|repo)\./.test(r.action!)
      && !byAction.get(r.action!)!.iam && r.action !== 'repo.create');
    expect(unnamed.map((r) => r.action)).toEqual([]);
  });
});
