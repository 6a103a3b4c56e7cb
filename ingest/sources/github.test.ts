import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { config, stageContext, tempDir, writeFiles } from '../../test/helpers.js';
import { ingest } from '../index.js';
import { error, startGithub, type AuditEntry, type GithubOrg, type GithubStub } from './testing/github-stub.js';

/**
 * The github: log source and grants source against a stub that validates every request and answer with
 * GitHub's OpenAPI description (@octokit/openapi, vendored subset).
 */

const TOKEN = 'github_pat_test';
process.env['LAPSE_TEST_GITHUB_TOKEN'] = TOKEN;
const ORG = 'corp-example';

/** `n` entries from `start`, one a minute: ann pushes to api, ben to web (ids d<from+i>). */
function entries(n: number, start = '2026-06-01T00:00:00Z', from = 0): AuditEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    _document_id: `d${String(from + i).padStart(6, '0')}`,
    '@timestamp': Date.parse(start) + i * 60_000,
    action: 'git.push',
    actor: i % 2 ? 'ben-corp' : 'ann-corp',
    org: ORG,
    repo: `${ORG}/${i % 2 ? 'web' : 'api'}`,
  }));
}

function org(more: Partial<GithubOrg> = {}): GithubOrg {
  return {
    org: ORG,
    token: TOKEN,
    entries: [],
    members: ['ann-corp', 'ben-corp'],
    repos: [
      { name: 'api', collaborators: [{ login: 'ann-corp', role: 'admin' }, { login: 'ben-corp', role: 'write' }] },
      { name: 'web', collaborators: [{ login: 'ben-corp', role: 'maintain' }] },
    ],
    teams: [{ slug: 'platform', members: ['ann-corp'], repos: ['web'] }],
    ...more,
  };
}

let stubs: GithubStub[] = [];
let closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of closers) c();
  for (const s of stubs) {
    expect(s.violations).toEqual([]);
    await s.close();
  }
  stubs = [];
  closers = [];
});

async function github(o: GithubOrg): Promise<GithubStub> {
  const s = await startGithub(o);
  stubs.push(s);
  return s;
}

async function setup(stub: GithubStub, conn: Record<string, unknown> = { token_env: 'LAPSE_TEST_GITHUB_TOKEN' }, logsOnly: Record<string, unknown> = {}) {
  const dir = await tempDir();
  await writeFiles(dir, { 'people.csv': 'id,email,team,manager,status,aliases\nann,ann@corp.example,eng,,active,github:ann-corp\n' });
  const c = { org: ORG, api_url: stub.url, ...conn };
  const cfg = config(dir, {
    directory: { path: 'people.csv' },
    systems: { github: { connector: 'github_audit', logs: [{ github: { ...c, backfill_from: '2026-06-01', ...logsOnly } }], grants: { github: c } } },
  });
  const ctx = await stageContext(cfg);
  closers.push(() => ctx.close());
  return { dir, ctx };
}

async function uses(ctx: Awaited<ReturnType<typeof setup>>['ctx'], dir: string) {
  return ctx.db.all(
    `SELECT principal, permission, sum(uses)::INTEGER AS uses FROM read_parquet($glob, hive_partitioning = true) GROUP BY ALL ORDER BY ALL`,
    { glob: join(dir, 'lake/usage_daily/**/*.parquet') },
  );
}

describe('github: log source', () => {
  test('asks from the checkpoint (phrase created:>=, order asc), follows the after cursor, and drops the overlap by _document_id', async () => {
    const stub = await github(org({ entries: entries(250) }));
    const { dir, ctx } = await setup(stub);
    const first = await ingest(ctx, '2026-06-05');
    expect(first.logs[0]).toMatchObject({ records: 250, uses: 250 });
    const calls = stub.requests.filter((r) => r.op === 'orgs/get-audit-log');
    expect(calls).toHaveLength(3);
    expect(calls[0]!.query).toMatchObject({ phrase: 'created:>=2026-06-01T00:00:00+00:00', include: 'all', order: 'asc', per_page: '100' });
    expect(calls[1]!.query['after']).toBeTruthy();
    // Entries logged late, within the overlap, and new ones: each counted once.
    const newest = Date.parse('2026-06-01T00:00:00Z') + 249 * 60_000;
    stub.org.entries.push({ ...entries(1, new Date(newest - 10 * 60_000).toISOString(), 900)[0]! }, ...entries(5, new Date(newest + 60_000).toISOString(), 250));
    const second = await ingest(ctx, '2026-06-05');
    expect(second.logs[0]).toMatchObject({ records: 6, uses: 6 });
    expect(stub.requests.filter((r) => r.op === 'orgs/get-audit-log').at(-1)!.query['phrase']).toBe(`created:>=${new Date(newest - 15 * 60_000).toISOString().replace('.000Z', '+00:00')}`);
    expect(await uses(ctx, dir)).toEqual([
      // 125 each from the first run; the late entry and three of the five new are ann's.
      { principal: 'ann-corp', permission: `repo/${ORG}/api`, uses: 129 },
      { principal: 'ben-corp', permission: `repo/${ORG}/web`, uses: 127 },
    ]);
  });

  test('a rate-limited 403 waits for x-ratelimit-reset, a 5xx is retried, and the pacer keeps under the limit', async () => {
    const stub = await github(org({ entries: entries(900), rateLimit: 5, windowMs: 1500 }));
    const reset = String(Math.ceil(Date.now() / 1000) + 1);
    stub.faults.set('orgs/get-audit-log', [
      { ...error(403, 'API rate limit exceeded for user.'), headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset, 'x-ratelimit-limit': '5' } },
      error(502, 'Server Error'),
    ]);
    const { ctx } = await setup(stub);
    const report = await ingest(ctx, '2026-06-05');
    expect(report.logs[0]).toMatchObject({ records: 900, uses: 900 });
    expect(stub.overLimit).toBe(0);
  }, 60_000);

  test('a token without audit-log access fails only its source; the grants still come', async () => {
    const stub = await github(org({ entries: entries(10) }));
    stub.denied.add('orgs/get-audit-log');
    const { ctx } = await setup(stub);
    const report = await ingest(ctx, '2026-06-05');
    expect(report.logs[0]).toMatchObject({ files: 0, records: 0 });
    expect(report.snapshots[0]!.failed).toBeUndefined();
    expect(await ctx.lake.list('raw/system=github/source=github/day=')).toEqual([]);
  });

  test('with enterprise: set, reads the enterprise audit log instead of the organization\'s', async () => {
    const stub = await github(org({ entries: entries(7) }));
    const { ctx } = await setup(stub, undefined, { enterprise: 'corp' });
    expect((await ingest(ctx, '2026-06-05')).logs[0]).toMatchObject({ records: 7 });
    expect(stub.requests.filter((r) => r.op.endsWith('get-audit-log')).map((r) => `${r.op} ${r.url.pathname}`)).toEqual([
      'enterprise-admin/get-audit-log /enterprises/corp/audit-log',
    ]);
  });

  test('signs in as a GitHub App installation', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    process.env['LAPSE_TEST_GITHUB_APP_KEY'] = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const stub = await github(org({ entries: entries(3), app: { id: 1234, installation: 42, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() } }));
    const { ctx } = await setup(stub, { app_id: 1234, installation_id: 42, private_key_env: 'LAPSE_TEST_GITHUB_APP_KEY' });
    const report = await ingest(ctx, '2026-06-05');
    expect(report.logs[0]).toMatchObject({ records: 3 });
    expect(report.snapshots[0]!.rows).toBeGreaterThan(0);
    expect(stub.requests.filter((r) => r.op === 'apps/create-installation-access-token').length).toBe(2);
    // The wrong installation is refused, naming the app and the installation.
    const wrong = await setup(stub, { app_id: 1234, installation_id: 43, private_key_env: 'LAPSE_TEST_GITHUB_APP_KEY' });
    const failed = await ingest(wrong.ctx, '2026-06-05');
    expect(failed.snapshots[0]!.failed).toMatch(/GitHub App 1234 could not get a token for installation 43: HTTP 404/);
  });
});

describe('github: grants source', () => {
  test('members hold the org, collaborators their repository with their role, team members the team repositories', async () => {
    const stub = await github(org());
    const { dir, ctx } = await setup(stub);
    const report = await ingest(ctx, '2026-06-05');
    expect(report.snapshots[0]).toMatchObject({ name: 'github grants', rows: 6, quarantined: {} });
    const rows = await ctx.db.all(`SELECT principal, permission, via FROM read_parquet($f) ORDER BY ALL`, {
      f: join(dir, 'lake/grants/system=github/day=2026-06-05/grants.parquet'),
    });
    expect(rows).toEqual([
      { principal: 'ann-corp', permission: `org/${ORG}`, via: 'direct' },
      { principal: 'ann-corp', permission: `repo/${ORG}/api`, via: 'role:admin' },
      { principal: 'ann-corp', permission: `repo/${ORG}/web`, via: 'team:platform' },
      { principal: 'ben-corp', permission: `org/${ORG}`, via: 'direct' },
      { principal: 'ben-corp', permission: `repo/${ORG}/api`, via: 'role:write' },
      { principal: 'ben-corp', permission: `repo/${ORG}/web`, via: 'role:maintain' },
    ]);
  });
});
