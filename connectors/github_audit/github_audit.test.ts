import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sqlFile } from '../../core/db.js';
import { writeFiles } from '../../test/helpers.js';
import type { ParsedRecord } from '../_shared/parse.js';
import { connectorKit, reasons } from '../_shared/testkit.js';
import { githubAudit } from './connector.js';

/** Real vendor events collected for parser tests (not in the repo: licences); absent in CI. */
const SAMPLES = '/work/shared/samples/github-audit';
const GRANTS_SQL = sqlFile(new URL('../../ingest/', import.meta.url).href, 'grants.sql');

const kit = connectorKit(githubAudit, 'github');
const { parse } = kit;

const line = (r: ParsedRecord) => [r.record, r.sub, r.drop_reason ?? r.time, r.principal, r.permission, r.action];

describe.skipIf(!existsSync(SAMPLES))(`real samples in ${SAMPLES} (skipped when the directory is absent)`, () => {
  test.each([
    ['elastic-github-audit-test-audit-json.excerpt.log', { use: 52, denied: 19, no_org_or_repo: 29, service_principal: 1 }],
    [
      'panther-github-audit-tests.jsonl',
      { use: 55, missing_time: 30, bad_time: 4, no_org_or_repo: 3, service_principal: 3, not_a_use: 2, no_principal: 1 },
    ],
  ])('%s: one record per line, each a use or a counted drop', async (name, expected) => {
    const file = join(SAMPLES, name);
    const rows = await parse([file]);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
    expect(rows.map((r) => r.record)).toEqual(Array.from({ length: lines }, (_, i) => i + 1));
    expect(reasons(rows)).toEqual(expected);
    for (const r of rows) expect(r.quarantine).toBe(['missing_time', 'bad_time'].includes(r.drop_reason ?? ''));
  });

  test('the enterprise API page is one record whose entries are numbered by sub', async () => {
    const rows = await parse([join(SAMPLES, 'splunk-ghe-addon-enterprise-audit-log-api-page.json')]);
    expect(rows.map(line)).toEqual([
      // git.fetch/git.clone without an actor (no key, or "") are anonymous or public access.
      [1, 1, 'no_principal', null, 'repo/org-demo/public-repo', 'git.fetch'],
      [1, 2, '2021-03-02T13:50:08.148Z', 'Link-', 'org/org-demo', 'org.update_member'],
      [1, 3, '2021-03-02T13:45:12.281Z', 'Link-', 'org/org-demo', 'org.update_default_repository_permission'],
      [1, 4, 'no_principal', null, 'repo/org-demo/private-repo-2', 'git.clone'],
      [1, 5, 'no_principal', null, 'repo/org-demo/private-repo-2', 'git.fetch'],
      [1, 6, '2021-03-02T13:44:47.389Z', 'Link-', 'repo/org-demo/private-repo-2', 'repo.create'],
      [1, 7, '2021-03-02T13:44:23.825Z', 'Link-', 'repo/org-demo/private-repo', 'repo.create'],
      [1, 8, 'no_principal', null, 'repo/org-demo/public-repo', 'git.clone'],
      [1, 9, 'no_principal', null, 'repo/org-demo/public-repo', 'git.fetch'],
      [1, 10, 'no_principal', null, 'repo/org-demo/public-repo', 'git.fetch'],
    ]);
    expect(rows[5]!.event_id).toBe('45S66REXBCQ9NoQBPDwaGg');
  });

  test('hand-checked entries of the exports', async () => {
    const elastic = await parse([join(SAMPLES, 'elastic-github-audit-test-audit-json.excerpt.log')]);
    expect([13, 21, 32, 62, 99, 100].map((n) => line(elastic[n - 1]!))).toEqual([
      [13, null, '2020-03-09T14:16:13.109Z', 'github-actor', 'repo/example-org/repo-abc', 'repo.create'],
      [21, null, 'denied', 'github-actor', 'repo/example-org/repo-123', 'protected_branch.rejected_ref_update'],
      // team.* is an organization event even when it names a repository.
      [32, null, '2021-01-25T23:43:03.985Z', 'github-actor', 'org/example-org', 'team.add_repository'],
      // Older exports' pull_request entries name no org or repo.
      [62, null, 'no_org_or_repo', 'github-actor', null, 'pull_request.merge'],
      [99, null, 'service_principal', 'github-actions[bot]', 'repo/redacted/redacted', 'git.clone'],
      [100, null, '2023-01-23T06:20:40.535Z', 'userdeserve', 'repo/org/repo', 'hook.create'],
    ]);
    const panther = await parse([join(SAMPLES, 'panther-github-audit-tests.jsonl')]);
    expect([2, 30, 45, 47, 48, 49, 61, 62].map((n) => line(panther[n - 1]!))).toEqual([
      [2, null, 'not_a_use', 'github_handle', 'repo/your-org/panther-analysis-copy', 'workflows.completed_workflow_run'],
      [30, null, 'not_a_use', 'cat', 'org/my-org', 'org.add_member'], // cat added cat: joining
      [45, null, '2021-06-17T23:15:19.091Z', 'cat', 'repo/my-org/my-repo', 'git.push'],
      [47, null, 'no_principal', null, 'repo/my-org/my-repo', 'git.push'],
      [48, null, 'service_principal', 'secret-scanning[bot]', 'repo/my-org/my-repo', 'git.push'],
      [49, null, 'bad_time', 'dog', 'repo/some-org/ruleset-repo', 'repository_ruleset.create'], // 2024-12-17 00:00:00000000
      [61, null, 'service_principal', 'github', 'repo/acme-inc/crown-jewels', 'secret_scanning_alert.create'],
      [62, null, '2023-11-20T21:20:09.423Z', 'acme-inc-user', 'repo/acme-inc/a-repo', 'git.clone'], // at_sign_timestamp
    ]);
  });

  test('unit org: every entry with an org is a use of org/<org>', async () => {
    const rows = await parse([join(SAMPLES, 'elastic-github-audit-test-audit-json.excerpt.log')], { unit: 'org' });
    const permissions = new Set(rows.filter((r) => r.drop_reason === null).map((r) => r.permission));
    expect([...permissions].sort()).toEqual(['org/example-org', 'org/trustfactors']);
  });
});

describe('native grants reader', () => {
  async function grants(text: string, options: unknown = {}, name = 'grants.jsonl') {
    await writeFiles(kit.dir, { [name]: text });
    const query = await githubAudit.grants!.query({
      system: 'github', options: githubAudit.options.parse(options), files: [join(kit.dir, name)], db: kit.db,
    });
    try {
      await kit.db.run(`CREATE OR REPLACE TEMP TABLE lapse_grants_raw AS ${query.sql}`, query.params);
    } finally {
      await query.cleanup?.();
    }
    return kit.db.all(`SELECT ord, bad, principal, permission, granted_at::VARCHAR AS granted_at, via FROM (${GRANTS_SQL}) ORDER BY ord`);
  }

  const member = { login: 'alice-corp', id: 1001, type: 'User', site_admin: false, org: 'corp-example' };
  const collaborator = {
    repo: 'corp-example/payments-api', login: 'bob-corp', id: 1002, type: 'User', site_admin: false,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true }, role_name: 'write',
  };
  const file = [
    JSON.stringify(member),
    JSON.stringify(collaborator),
    JSON.stringify({ repo: 'Corp-Example/Ledger', login: 'carol-corp', team: 'platform' }),
    JSON.stringify({ org: 'corp-example', repo: 'docs-site', login: 'dave-corp', via: 'direct', granted_at: '2026-01-05' }),
    JSON.stringify({ repo: 'corp-example/payments-api', id: 1005 }),
    JSON.stringify({ login: 'erin-corp', id: 1006 }),
    JSON.stringify({ org: 'corp-example', login: { name: 'frank' } }),
    '{"org": "corp-example", "login": "grace',
  ].join('\n');

  test('members are org/<org>, collaborators repo/<owner>/<repo>, named as the log side names them', async () => {
    expect(await grants(file)).toEqual([
      { ord: 1, bad: null, principal: 'alice-corp', permission: 'org/corp-example', granted_at: null, via: 'direct' },
      { ord: 2, bad: null, principal: 'bob-corp', permission: 'repo/corp-example/payments-api', granted_at: null, via: 'direct' },
      { ord: 3, bad: null, principal: 'carol-corp', permission: 'repo/corp-example/ledger', granted_at: null, via: 'group:platform' },
      { ord: 4, bad: null, principal: 'dave-corp', permission: 'repo/corp-example/docs-site', granted_at: '2026-01-05', via: 'direct' },
      { ord: 5, bad: 'missing_principal', principal: null, permission: 'repo/corp-example/payments-api', granted_at: null, via: 'direct' },
      { ord: 6, bad: 'missing_permission', principal: 'erin-corp', permission: null, granted_at: null, via: 'direct' },
      { ord: 7, bad: 'missing_principal', principal: null, permission: 'org/corp-example', granted_at: null, via: 'direct' },
      { ord: 8, bad: 'malformed_json', principal: null, permission: null, granted_at: null, via: null },
    ]);
  });

  test('unit org: collaborators hold org/<owner>', async () => {
    const rows = await grants([JSON.stringify(member), JSON.stringify(collaborator)].join('\n'), { unit: 'org' });
    expect(rows.map((r) => [r['principal'], r['permission']])).toEqual([
      ['alice-corp', 'org/corp-example'],
      ['bob-corp', 'org/corp-example'],
    ]);
  });

  test('a JSON array of enriched objects (jq -s) is read too', async () => {
    const rows = await grants(JSON.stringify([member, collaborator], null, 2), {}, 'grants.json');
    expect(rows.map((r) => [r['ord'], r['principal'], r['permission']])).toEqual([
      [1, 'alice-corp', 'org/corp-example'],
      [1, 'bob-corp', 'repo/corp-example/payments-api'],
    ]);
  });
});
