import { cp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicy, validateIdentityPolicy } from '@cloud-copilot/iam-policy';
import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { JiraStub } from '../actions/jira/testing/jira-stub.js';
import { startJiraServer } from '../actions/jira/testing/server.js';
import { jsonl, lapse, tempDir, writeFiles } from './helpers.js';

/**
 * `lapse rightsize` end to end through the built CLI: CloudTrail and GitHub audit logs ingested with
 * `actions: true`, a permission set's policy export and GitHub collaborators with their roles, then the
 * recommendation as text, JSON (the policy parses back) and HTML; bad flags and a bad export refused.
 */

const ACCOUNT = '111122223333';

/** CloudTrail records of Identity Center sessions of the Dev permission set: [who, service, eventName, time, readOnly]. */
function trail(calls: [string, string, string, string][]): string {
  return JSON.stringify({
    Records: calls.map(([who, source, name, time], i) => ({
      eventVersion: '1.08', eventTime: time, eventSource: `${source}.amazonaws.com`, eventName: name, eventID: `${time}-${i}`,
      awsRegion: 'eu-west-1', readOnly: /^(List|Describe|Get)/.test(name),
      userIdentity: {
        type: 'AssumedRole', accountId: ACCOUNT, principalId: `AROAEXAMPLE:${who}`,
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Dev_0123456789abcdef/${who}`,
        sessionContext: { sessionIssuer: { type: 'Role', userName: 'AWSReservedSSO_Dev_0123456789abcdef' } },
      },
    })),
  });
}

const gh = (actor: string, action: string, repo: string, ms: number) => ({ '@timestamp': ms, _document_id: `${actor}-${action}-${ms}`, action, actor, org: 'corp', repo: `corp/${repo}`, repository: `corp/${repo}` });

const DEV_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['ec2:Describe*', 'ec2:RunInstances', 'ec2:TerminateInstances'], Resource: '*' },
    { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::corp-data/*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
    { Effect: 'Allow', Action: ['iam:*', 'kms:*'], Resource: '*' },
  ],
};

async function world(more: Record<string, string> = {}): Promise<string> {
  const dir = await tempDir();
  const people = ['ann', 'ben', 'cat', 'dan', 'eve'];
  await writeFiles(dir, {
    'lapse.yaml': [
      'store: ./lake',
      'directory: { path: people.csv }',
      'systems:',
      '  aws:',
      '    connector: aws_cloudtrail',
      '    logs: [{ path: logs/aws/ }]',
      '    grants: { path: aws-grants.jsonl }',
      '    actions: true',
      '    owner: platform@corp.example',
      '    rightsize: { policies: { path: policies.jsonl }, logged: [management_write, management_read] }',
      '  github:',
      '    connector: github_audit',
      '    logs: [{ path: logs/github/ }]',
      '    grants: { path: collaborators.jsonl, format: native }',
      '    actions: true',
      '    rightsize: { logged: [management_write, management_read] }',
      'actions: []',
      '',
    ].join('\n'),
    'people.csv': `id,email,team,manager,status,aliases\n${people.map((p) => `${p},${p}@corp.example,eng,,active,github:${p}-gh`).join('\n')}\n`,
    'aws-grants.jsonl': jsonl(people.map((p) => ({ principal: `${p}@corp.example`, permission: `${ACCOUNT}/Dev`, granted_at: '2025-01-01' }))),
    'policies.jsonl': jsonl([{ PermissionSetName: 'Dev', InlinePolicy: DEV_POLICY, AwsManagedPolicies: [], CustomerManagedPolicies: [] }]),
    'logs/aws/2026-03-01.json': trail([['ann@corp.example', 'ec2', 'DescribeInstances', '2026-03-01T09:00:00Z']]),
    'logs/aws/2026-06-01.json': trail([
      ['ann@corp.example', 'ec2', 'RunInstances', '2026-06-01T09:00:00Z'],
      ['ben@corp.example', 'ec2', 'DescribeInstances', '2026-06-01T09:30:00Z'],
      ['ben@corp.example', 'signin', 'ConsoleLogin', '2026-06-01T08:00:00Z'],
    ]),
    'collaborators.jsonl': jsonl([
      { login: 'ann-gh', repo: 'corp/api', role_name: 'admin', granted_at: '2025-01-01' },
      { login: 'ann-gh', repo: 'corp/web', role_name: 'admin', granted_at: '2025-01-01' },
      { login: 'ben-gh', repo: 'corp/api', role_name: 'write', granted_at: '2025-01-01' },
    ]),
    'logs/github/audit.jsonl': jsonl([
      gh('ann-gh', 'git.clone', 'api', Date.parse('2026-03-01T10:00:00Z')),
      gh('ann-gh', 'git.push', 'api', Date.parse('2026-06-01T10:00:00Z')),
      gh('ann-gh', 'git.clone', 'web', Date.parse('2026-06-02T10:00:00Z')),
      gh('ben-gh', 'git.push', 'api', Date.parse('2026-06-03T10:00:00Z')),
    ]),
    ...more,
  });
  const ingest = lapse(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
  expect(ingest.code, ingest.err).toBe(0);
  return dir;
}

describe('lapse rightsize', () => {
  test('text: the smaller grant per unit, what the logs cannot show, who to prune, GitHub per holder', async () => {
    const dir = await world();
    const r = lapse(['rightsize', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('lapse rightsize · as of 2026-06-30 · 90 days (2026-04-02 … 2026-06-30) · by service');
    expect(r.out).toMatch(/111122223333\/Dev · shrink · 2 of 5 holders used it/);
    expect(r.out).toContain('recommend: remove 2 unused services: iam, kms');
    expect(r.out).toMatch(/unobservable, kept: .* in s3/);
    expect(r.out).toContain('prune: used by 2 of 5 holders in 90 days: ann@corp.example, ben@corp.example');
    expect(r.out).toContain('ann-gh: admin on 2 repositories, used write at most: grant write');
  }, 120_000);

  test('--json --granularity action: valid IAM that keeps what was used and drops unused writes', async () => {
    const dir = await world();
    const r = lapse(['rightsize', '--config', 'lapse.yaml', '--as-of', '2026-06-30', '--granularity', 'action', '--json', '--html', 'rightsize.html'], dir);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as { units: { unit: string; recommendation: { policy?: object; roles?: object[] } | null; not_iam: string[] }[] };
    const dev = doc.units.find((u) => u.unit === `${ACCOUNT}/Dev`)!;
    expect(validateIdentityPolicy(dev.recommendation!.policy)).toEqual([]);
    const actions = loadPolicy(dev.recommendation!.policy!).statements().flatMap((s) => (s.isActionStatement() ? s.actions().map((a) => a.value()) : []));
    // Reads are in these logs: of ec2:Describe*, only what was used stays.
    expect(actions).toEqual(expect.arrayContaining(['ec2:DescribeInstances', 'ec2:RunInstances']));
    expect(actions).not.toContain('ec2:TerminateInstances');
    expect(actions).not.toContain('ec2:DescribeVolumes');
    expect(actions).toContain('s3:GetObject'); // a data event: these logs cannot show it
    expect(dev.not_iam).toEqual(['signin:ConsoleLogin']);
    expect(doc.units.find((u) => u.unit === 'repo/corp/web')!.recommendation!.roles).toEqual([{ principal: 'ann-gh', from: 'admin', to: 'read' }]);
    expect(await readFile(join(dir, 'rightsize.html'), 'utf8')).toContain('<section id="rs-aws"');
  }, 120_000);

  test('lapse report --site: a right-sizing page linked from every page when a system keeps action summaries; none without', async () => {
    const dir = await world();
    const run = lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    expect([0, 3], run.err).toContain(run.code); // 3: a guard held something, the run is still recorded
    const site = lapse(['report', '--config', 'lapse.yaml', '--site', 'site'], dir);
    expect(site.code, site.err).toBe(0);
    const page = await readFile(join(dir, 'site/rightsize.html'), 'utf8');
    expect(page).toContain('<section id="rs-aws"');
    expect(page).toContain('remove 2 unused services: iam, kms');
    expect(page).toContain('<a href="rightsize.html" aria-current="page">Right-sizing</a>');
    expect(await readFile(join(dir, 'site/index.html'), 'utf8')).toContain('<a href="rightsize.html">Right-sizing</a>');
    expect(await readFile(join(dir, 'site/teams/index.html'), 'utf8')).toContain('<a href="../rightsize.html">Right-sizing</a>');
    expect(JSON.parse(await readFile(join(dir, 'site/site.json'), 'utf8'))).toMatchObject({ rightsize: 'rightsize.html' });
    // Actions off in the config: the action summaries already in the lake are not judged, and no page links to them.
    await writeFile(join(dir, 'lapse.yaml'), (await readFile(join(dir, 'lapse.yaml'), 'utf8')).replaceAll('actions: true', 'actions: false'));
    expect(lapse(['report', '--config', 'lapse.yaml', '--site', 'site'], dir).code).toBe(0);
    expect(existsSync(join(dir, 'site/rightsize.html'))).toBe(false);
    expect(await readFile(join(dir, 'site/index.html'), 'utf8')).not.toContain('Right-sizing');
  }, 180_000);

  test('bad flags and a bad policy export are refused, naming what is wrong', async () => {
    const dir = await world({ 'policies.jsonl': '{"PermissionSetName":"Dev","InlinePolicy":{"Statement":[]}}\n{"PermissionSetName":""}\n' });
    const bad = (args: string[]) => lapse(['rightsize', '--config', 'lapse.yaml', '--as-of', '2026-06-30', ...args], dir);
    expect(bad(['--days', '0'])).toMatchObject({ code: 2, err: expect.stringContaining('--days 0: expected whole days from 1 to 3650') });
    expect(bad(['--granularity', 'role'])).toMatchObject({ code: 2, err: expect.stringContaining('--granularity role: expected service or action') });
    expect(bad(['--system', 'gcp'])).toMatchObject({ code: 2, err: expect.stringContaining('--system gcp: no such system in the config; systems: aws, github') });
    expect(bad(['--dry-run'])).toMatchObject({ code: 2 });
    const r = bad(['--system', 'aws']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/policies .*policies\.jsonl line 2: a permission set record .*PermissionSetName/);
  }, 120_000);

  test('the demo: every AWS recommendation is valid IAM, break-glass is not judged, GitHub admins who only push get write', async () => {
    const dir = await tempDir();
    await cp(new URL('../fixtures/demo', import.meta.url).pathname, join(dir, 'fixtures/demo'), { recursive: true });
    expect(lapse(['ingest', '--config', 'fixtures/demo/lapse.yaml', '--as-of', '2026-06-30'], dir).code).toBe(0);
    const r = lapse(['rightsize', '--config', 'fixtures/demo/lapse.yaml', '--as-of', '2026-06-30', '--json'], dir);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as { units: { system: string; unit: string; status: string; recommendation: { policy?: object } | null }[]; github_holders: { text: string }[] };
    const aws = doc.units.filter((u) => u.system === 'aws');
    expect(aws.length).toBe(10);
    for (const u of aws.filter((x) => x.recommendation?.policy)) expect(validateIdentityPolicy(u.recommendation!.policy), u.unit).toEqual([]);
    expect(aws.filter((u) => u.unit.endsWith('/BreakGlassAdmin')).map((u) => u.status)).toEqual(['not_judged', 'not_judged']);
    expect(doc.github_holders.map((h) => h.text)).toContain('dreyes-ce: admin on 3 repositories, used write at most: grant write');
  }, 180_000);

  test('--tickets files one Jira ticket per unit owner, once; --dry-run files none', async () => {
    const stub = new JiraStub();
    const server = await startJiraServer(stub, { email: 'lapse@corp.example', token: 'tok' });
    try {
      const dir = await world();
      const yaml = (await readFile(join(dir, 'lapse.yaml'), 'utf8')).replace('actions: []', `actions: [{ type: jira, url: "${server.url}", project: SEC, timeout_secs: 10 }]`);
      await writeFiles(dir, { 'lapse.yaml': yaml });
      const run = (...more: string[]) => lapseAsync(['rightsize', '--config', 'lapse.yaml', '--as-of', '2026-06-30', '--tickets', ...more], dir);
      const dry = await run('--dry-run');
      expect(dry.code, dry.err).toBe(0);
      expect(dry.out).toContain('jira (dry run): 2 tickets in SEC (rightsize)');
      expect(stub.issues).toHaveLength(0);
      const real = await run();
      expect(real.out).toContain('jira: 2 tickets in SEC (rightsize): 2 opened, 0 updated, 0 unchanged');
      expect(stub.issues.map((i) => i.fields.summary).sort()).toEqual([
        'lapse rightsize: 1 unit on aws owned by platform@corp.example can be smaller',
        'lapse rightsize: 2 units on github owned by unowned can be smaller',
      ]);
      stub.indexAll();
      expect((await run()).out).toContain('2 tickets in SEC (rightsize): 0 opened, 0 updated, 2 unchanged');
      expect(stub.issues).toHaveLength(2);
      expect(server.violations).toEqual([]);
    } finally {
      await server.close();
    }
  }, 180_000);
});

/** The built CLI without blocking this process (the Jira stub answers from it). */
function lapseAsync(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const bin = new URL('../bin/lapse.js', import.meta.url).pathname;
  const env = { ...process.env, LAPSE_LOG_LEVEL: 'warn', JIRA_EMAIL: 'lapse@corp.example', JIRA_API_TOKEN: 'tok' };
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => done({ code, out, err }));
  });
}
