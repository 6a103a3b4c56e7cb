import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPolicy } from '@cloud-copilot/iam-policy';
import { afterEach, describe, expect, test } from 'vitest';
import { config, stageContext, tempDir } from '../test/helpers.js';
import { rightsize, type RightsizeOptions } from './rightsize.js';
import { loadWorld, type GrantRow, type UseRow } from './testing.js';
import { policyProblems } from './aws.js';
import { iamActions } from '../connectors/aws_cloudtrail/actions.js';
import { repositoryRoles } from '../connectors/github_audit/roles.js';
import type { RightsizeDocument } from './model.js';

const SAMPLES = new URL('../../shared/samples/', import.meta.url).pathname;
const WINDOW = { asOf: '2026-06-30', from: '2026-04-02', to: '2026-06-30', days: 90 };

const DEV_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Compute', Effect: 'Allow', Action: ['ec2:Describe*', 'ec2:RunInstances', 'ec2:TerminateInstances'], Resource: '*' },
    { Sid: 'Data', Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::corp-data', 'arn:aws:s3:::corp-data/*'], Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
    { Sid: 'Iam', Effect: 'Allow', Action: 'iam:*', Resource: '*' },
    { Sid: 'NoBilling', Effect: 'Deny', Action: 'aws-portal:*', Resource: '*' },
  ],
};

type World = { grants: GrantRow[]; uses: UseRow[]; systems: Record<string, unknown>; files?: Record<string, string>; coverage?: Record<string, string> };

const opened: { close(): void }[] = [];
afterEach(() => opened.splice(0).forEach((c) => c.close()));

async function run(w: World, more: Partial<RightsizeOptions> = {}): Promise<RightsizeDocument> {
  const dir = await tempDir();
  for (const [name, text] of Object.entries(w.files ?? {})) await writeFile(join(dir, name), text);
  const cfg = config(dir, { store: './lake', directory: { path: 'people.csv' }, systems: w.systems });
  const ctx = await stageContext(cfg);
  opened.push(ctx);
  await loadWorld(ctx.db, w.grants, w.uses);
  const systems = Object.keys(w.systems);
  const coverage = new Map(systems.map((s) => [s, { first_day: w.coverage?.[s] ?? '2026-01-01', last_day: '2026-06-30' }]));
  return rightsize(ctx, { ...WINDOW, granularity: 'service', systems, coverage, ...more });
}

const awsSystem = (logged: string[]) => ({
  connector: 'aws_cloudtrail', grants: { path: 'grants.jsonl' }, rightsize: { policies: { path: 'policies.jsonl' }, logged },
});
const policies = (...lines: object[]) => lines.map((l) => JSON.stringify(l)).join('\n');
const devSet = { PermissionSetName: 'Developer', InlinePolicy: DEV_POLICY, AwsManagedPolicies: [] };
const holders = (n: number, system = 'aws', permission = '111122223333/Developer'): GrantRow[] =>
  Array.from({ length: n }, (_, i) => ({ system, principal: `p${i}@corp.example`, permission }));
const use = (principal: string, action: string, permission = '111122223333/Developer', system = 'aws'): UseRow => ({ system, principal, permission, action });

describe('AWS', () => {
  const world = (logged: string[], uses: UseRow[], grants = holders(3)): World => ({
    grants, uses, systems: { aws: awsSystem(logged) }, files: { 'policies.jsonl': policies(devSet) },
  });

  test('service granularity drops services nobody used; conditions, resources and Deny kept; the document parses back', async () => {
    const doc = await run(world(['management_write', 'management_read'], [use('p0@corp.example', 'ec2:RunInstances'), use('p1@corp.example', 'ec2:DescribeInstances')]));
    const [u] = doc.units;
    expect(u!.status).toBe('shrink');
    // s3 has data events (GetObject…), which these logs do not carry: kept; iam was never used: removed.
    expect(u!.unused.items).toEqual(['iam']);
    expect(u!.unobservable.services).toEqual(['s3']);
    const policy = u!.recommendation!.policy!;
    expect(policyProblems(policy)).toEqual([]);
    const parsed = loadPolicy(policy);
    const actions = parsed.statements().flatMap((s) => (s.isActionStatement() ? s.actions().map((a) => a.value()) : []));
    expect(actions).toContain('ec2:RunInstances');
    expect(actions).toContain('s3:*');
    expect(actions.some((a) => a.startsWith('iam:'))).toBe(false);
    const data = policy.Statement.find((s) => s.Action === 's3:*')!;
    expect(data['Condition']).toEqual({ Bool: { 'aws:SecureTransport': 'true' } });
    expect(data['Resource']).toEqual(['arn:aws:s3:::corp-data', 'arn:aws:s3:::corp-data/*']);
    expect(policy.Statement.some((s) => s.Effect === 'Deny' && s.Action === 'aws-portal:*')).toBe(true);
  });

  test('action granularity keeps the used actions and the unobservable ones, and drops unused observable ones', async () => {
    const doc = await run(world(['management_write'], [use('p0@corp.example', 'ec2:RunInstances')]), { granularity: 'action' });
    const u = doc.units[0]!;
    const kept = u.recommendation!.policy!.Statement.flatMap((s) => (s.Effect === 'Allow' ? [s.Action].flat() as string[] : []));
    expect(kept).toContain('ec2:RunInstances');
    expect(kept).not.toContain('ec2:TerminateInstances');
    // Reads are not in these logs: every ec2:Describe* stays, written as the pattern.
    expect(kept).toContain('ec2:Describe*');
    expect(kept).toContain('s3:GetObject');
    expect(kept).not.toContain('s3:CreateBucket');
    expect(u.unused.items).toContain('ec2:TerminateInstances');
    expect(u.unused.items).not.toContain('s3:GetObject');
    expect(u.unobservable.by_category.management_read).toBeGreaterThan(0);
    expect(policyProblems(u.recommendation!.policy!)).toEqual([]);
  });

  test('an event that is no IAM action (ConsoleLogin) is listed, never judged', async () => {
    const doc = await run(world(['management_write'], [use('p0@corp.example', 'signin:ConsoleLogin'), use('p0@corp.example', 'iam:CreateRole')]));
    expect(doc.units[0]!.not_iam).toEqual(['signin:ConsoleLogin']);
    // The ingest side's flag counts too (an event it kept as logged).
    const flagged = await run(world(['management_write'], [{ ...use('p0@corp.example', 's3:GetObject'), iam: false }]));
    expect(flagged.units[0]!.not_iam).toEqual(['s3:GetObject']);
    expect(doc.units[0]!.unused.items).not.toContain('iam');
  });

  test('too new: a grant, or the action summaries, younger than the window', async () => {
    const young = holders(2).map((g) => ({ ...g, granted_at: '2026-05-10' }));
    const doc = await run(world(['management_write'], [], young));
    expect(doc.units[0]).toMatchObject({ status: 'too_new', recommendation: null, pruning: null });
    expect(doc.units[0]!.reason).toContain('2026-05-10');
    const late = await run({ ...world(['management_write'], []), coverage: { aws: '2026-06-01' } });
    expect(late.units[0]!.status).toBe('too_new');
    expect(late.systems[0]!.note).toContain('2026-06-01');
  });

  test('a system without action summaries judges nothing, and prunes nobody: no use is not the same as no log', async () => {
    const w = { ...world(['management_write'], [], holders(8)), coverage: {} };
    const doc = await run(w, { coverage: new Map() });
    expect(doc.units[0]).toMatchObject({ status: 'no_action_log', recommendation: null, pruning: null });
  });

  test('an emergency-only (break-glass) unit is not judged', async () => {
    const w = world(['management_write'], []);
    (w.systems['aws'] as Record<string, unknown>)['permissions'] = { '111122223333/Developer': { emergency_only: true } };
    const doc = await run(w);
    expect(doc.units[0]).toMatchObject({ status: 'not_judged', recommendation: null, pruning: null });
  });

  test('role pruning names who uses it', async () => {
    const doc = await run(world(['management_write'], [use('p3@corp.example', 'iam:CreateRole')], holders(8)));
    expect(doc.units[0]!.pruning).toMatchObject({ holders: 8, users: 1, who: ['p3@corp.example'], text: 'used by 1 of 8 holders in 90 days: p3@corp.example' });
  });

  test('IAM roles and managed policies from the export; a unit the export lacks is grant_unknown', async () => {
    const role = { AccountId: '111122223333', RoleName: 'deploy', InlinePolicies: [], AttachedPolicies: [{ Name: 'Deploy', Arn: 'arn:aws:iam::111122223333:policy/Deploy', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['lambda:UpdateFunctionCode', 'cloudformation:*'], Resource: '*' }] } }] };
    const w: World = {
      grants: [...holders(1, 'aws', '111122223333/role/deploy'), ...holders(1, 'aws', '111122223333/Unknown')],
      uses: [use('p0@corp.example', 'lambda:UpdateFunctionCode', '111122223333/role/deploy')],
      systems: { aws: awsSystem(['management_write', 'management_read']) }, files: { 'policies.jsonl': policies(role) },
    };
    const doc = await run(w);
    const byUnit = Object.fromEntries(doc.units.map((u) => [u.unit, u]));
    expect(byUnit['111122223333/role/deploy']).toMatchObject({ kind: 'aws_role', status: 'shrink', unused: { items: ['cloudformation'] } });
    expect(byUnit['111122223333/Unknown']).toMatchObject({ status: 'grant_unknown' });
  });

  test('a bad export line is an error naming the file and the line', async () => {
    const w: World = { grants: holders(1), uses: [], systems: { aws: awsSystem(['management_write']) }, files: { 'policies.jsonl': `${JSON.stringify(devSet)}\n{"PermissionSetName": 7}\n` } };
    await expect(run(w)).rejects.toThrow(/policies .*policies\.jsonl line 2: .*PermissionSetName/);
  });

  test('real CloudTrail shapes: every action the sample used stays; data events are unobservable by default', async () => {
    const mapped = await iamActions(cloudTrailEvents('aws-cloudtrail/otrf-ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl'));
    const actions = mapped.map((m) => m.action);
    expect(actions).toContain('s3:GetObject');
    expect(actions).toContain('s3:ListBucket'); // ListObjects, as IAM names it
    const broad = { PermissionSetName: 'Developer', AwsManagedPolicies: [{ Name: 'PowerUserAccess', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' }, { Effect: 'Allow', Action: ['ec2:*', 's3:*', 'sts:*', 'iam:*', 'kms:*'], Resource: '*' }] } }] };
    const w: World = { grants: holders(1), uses: mapped.map((m) => ({ ...use('p0@corp.example', m.action), iam: m.iam })), systems: { aws: awsSystem(['management_write', 'management_read']) }, files: { 'policies.jsonl': policies(broad) } };
    const doc = await run(w, { granularity: 'action' });
    const u = doc.units[0]!;
    const kept = new Set(u.recommendation!.policy!.Statement.flatMap((s) => [s.Action ?? []].flat() as string[]).map((a) => a.toLowerCase()));
    for (const a of actions.filter((x) => !u.not_iam.includes(x) && /^(ec2|s3|sts|iam|kms):/.test(x))) {
      expect(kept.has(a.toLowerCase()) || kept.has(`${a.split(':')[0]}:*`.toLowerCase()), a).toBe(true);
    }
    expect(u.notes.join(' ')).toContain('NotAction');
    expect(u.unobservable.by_category.data_read).toBeGreaterThan(0);
    expect(policyProblems(u.recommendation!.policy!)).toEqual([]);
  });
});

/** `<eventSource less .amazonaws.com>:<eventName>` of the successful CloudTrail records, as events.sql hands them to the connector's mapper. */
function cloudTrailEvents(file: string): string[] {
  const out = new Set<string>();
  for (const line of readFileSync(join(SAMPLES, file), 'utf8').split('\n').filter(Boolean)) {
    const rec = JSON.parse(line) as { eventSource?: string; eventName?: string; errorCode?: string };
    if (rec.eventSource && rec.eventName && !rec.errorCode) out.add(`${rec.eventSource.replace('.amazonaws.com', '')}:${rec.eventName}`);
  }
  return [...out].sort();
}

describe('GitHub', () => {
  const gh = { connector: 'github_audit', grants: { path: 'grants.jsonl' }, rightsize: { logged: ['management_write'] } };
  const repos = ['corp/api', 'corp/web'];
  const grantsFile = repos.flatMap((r) => [
    { login: 'Ann', repo: r, role_name: 'admin' },
    { login: 'bob', repo: r, permissions: { admin: false, maintain: false, push: true, triage: true, pull: true } },
  ]).map((x) => JSON.stringify(x)).join('\n');
  const grants = repos.flatMap((r) => ['ann', 'bob'].map((p) => ({ system: 'github', principal: p, permission: `repo/${r}` })));

  test('the lowest role covering what each holder did, per repository and across them', async () => {
    const uses = [use('ann', 'write', 'repo/corp/api', 'github'), use('ann', 'triage', 'repo/corp/web', 'github'), use('bob', 'write', 'repo/corp/api', 'github')];
    const doc = await run({ grants, uses, systems: { github: gh }, files: { 'grants.jsonl': grantsFile } });
    const api = doc.units.find((u) => u.unit === 'repo/corp/api')!;
    expect(api.status).toBe('shrink');
    expect(api.recommendation!.roles).toEqual([{ principal: 'ann', from: 'admin', to: 'write' }]);
    expect(api.granted.roles).toEqual({ admin: 1, write: 1 });
    const web = doc.units.find((u) => u.unit === 'repo/corp/web')!;
    // bob did nothing observable on web: reads are not in the audit log, so read is the floor.
    expect(web.recommendation!.roles).toEqual([{ principal: 'ann', from: 'admin', to: 'triage' }, { principal: 'bob', from: 'write', to: 'read' }]);
    expect(doc.github_holders.map((h) => h.text)).toEqual([
      'ann: admin on 2 repositories, used write at most: grant write',
      'bob: write on 2 repositories, used write at most: keep',
    ]);
  });

  test('a generic grants row carries role_name too; a holder who did more than their role allows is kept', async () => {
    const file = JSON.stringify({ principal: 'dee', permission: 'repo/corp/api', via: 'group:g', role_name: 'triage' });
    const doc = await run({ grants: [{ system: 'github', principal: 'dee', permission: 'repo/corp/api' }], uses: [use('dee', 'write', 'repo/corp/api', 'github')], systems: { github: gh }, files: { 'grants.jsonl': file } });
    expect(doc.units[0]!.per_holder[0]).toMatchObject({ granted_role: 'triage', used_role: 'write' });
    expect(doc.units[0]!.status).toBe('right_sized');
    expect(doc.github_holders[0]!.text).toBe('dee: triage on 1 repository, used write at most: keep (it did more than triage allows: another grant covers it)');
  });

  test('real GitHub audit shapes: each holder gets the highest role their sample actions needed', async () => {
    const byActor = new Map<string, Set<string>>();
    for (const line of readFileSync(join(SAMPLES, 'github-audit/panther-github-audit-tests.jsonl'), 'utf8').split('\n').filter(Boolean)) {
      const r = JSON.parse(line) as { actor?: string; action?: string; repo?: string };
      if (r.actor && r.action && r.repo) byActor.set(r.actor, (byActor.get(r.actor) ?? new Set()).add(r.action));
    }
    const uses: UseRow[] = [];
    for (const [actor, acts] of byActor) for (const m of await repositoryRoles([...acts])) uses.push({ ...use(actor, m.action, 'repo/corp/api', 'github'), iam: m.iam });
    const actors = [...byActor.keys()];
    expect(uses.some((u) => u.iam)).toBe(true);
    const grants = actors.map((a) => ({ system: 'github', principal: a, permission: 'repo/corp/api', via: 'role:admin' }));
    const doc = await run({ grants, uses, systems: { github: gh }, files: { 'grants.jsonl': '' } });
    const rank = ['read', 'triage', 'write', 'maintain', 'admin'];
    for (const h of doc.units[0]!.per_holder) {
      const needed = uses.filter((u) => u.principal === h.principal && u.iam).map((u) => rank.indexOf(u.action));
      expect(rank.indexOf(h.recommended_role!), h.principal).toBe(Math.max(0, ...needed));
    }
  });

  test('API grants carry the role as via role:<name>', async () => {
    const doc = await run({ grants: [{ system: 'github', principal: 'cy', permission: 'repo/corp/api', via: 'role:maintain' }], uses: [], systems: { github: gh }, files: { 'grants.jsonl': '' } });
    expect(doc.units[0]!.recommendation!.roles).toEqual([{ principal: 'cy', from: 'maintain', to: 'read' }]);
  });
});

describe('Kubernetes and Google Cloud', () => {
  test('real K8s audit shapes: a Role with the verbs and resources used, reads noted when the policy leaves them out', async () => {
    const actions = k8sActions();
    expect(actions.length).toBeGreaterThan(3);
    const grants = [{ system: 'k8s', principal: 'dev@corp.example', permission: 'prod/default', via: 'role:edit' }, { system: 'k8s', principal: 'ops@corp.example', permission: 'prod/default', via: 'role:edit' }];
    const uses = actions.map((a) => use('dev@corp.example', a, 'prod/default', 'k8s'));
    const doc = await run({ grants, uses, systems: { k8s: { connector: 'k8s_audit', grants: { path: 'g.json' }, cluster: 'prod' } } });
    const u = doc.units[0]!;
    expect(u).toMatchObject({ kind: 'k8s_role_binding', role: 'edit', users: 1, holders: 2 });
    const covered = u.recommendation!.rules!.flatMap((r) => r.resources.flatMap((res) => r.verbs.map((v) => `${v} ${res}`)));
    expect(covered.sort()).toEqual([...actions].sort());
    expect(u.notes.join(' ')).toContain('management_read');
    expect(u.pruning!.text).toBe('used by 1 of 2 holders in 90 days: dev@corp.example');
  });

  test('real GCP audit shapes: a custom role with the permissions authorizationInfo names', async () => {
    const perms = gcpPermissions();
    expect(perms).toContain('bigquery.jobs.create');
    const grants = [{ system: 'gcp', principal: 'ann@corp.example', permission: 'project/p1', via: 'role:roles/editor' }];
    const doc = await run({ grants, uses: perms.map((p) => use('ann@corp.example', p, 'project/p1', 'gcp')), systems: { gcp: { connector: 'gcp_audit', grants: { path: 'g.json' } } } });
    expect(doc.units[0]).toMatchObject({ kind: 'gcp_role_binding', role: 'roles/editor' });
    expect(doc.units[0]!.recommendation!.permissions).toEqual([...perms].sort());
  });
});

function k8sActions(): string[] {
  const out = new Set<string>();
  for (const line of readFileSync(join(SAMPLES, 'k8s-audit/panther-eks-audit-tests.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { verb?: string; objectRef?: { resource?: string; subresource?: string } };
    if (r.verb && r.objectRef?.resource) out.add(`${r.verb} ${r.objectRef.resource}${r.objectRef.subresource ? `/${r.objectRef.subresource}` : ''}`);
  }
  return [...out];
}

function gcpPermissions(): string[] {
  const out = new Set<string>();
  for (const line of readFileSync(join(SAMPLES, 'gcp-audit/panther-gcp-auditlog-tests.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { protoPayload?: { authorizationInfo?: { permission?: string; granted?: boolean }[] } };
    for (const a of r.protoPayload?.authorizationInfo ?? []) if (a.granted && a.permission) out.add(a.permission);
  }
  return [...out];
}
