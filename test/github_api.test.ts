import { spawn } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { startGithub, type AuditEntry, type GithubStub } from '../ingest/sources/testing/github-stub.js';
import { tempDir, writeFiles } from './helpers.js';

/**
 * GitHub connected through its API, end to end with the built CLI: the daily job on a github: log source
 * and grants source, and doctor naming the permission a token lacks. The stub validates every request
 * and answer against GitHub's OpenAPI description.
 */

const BIN = new URL('../bin/lapse.js', import.meta.url).pathname;
const TOKEN = 'github_pat_e2e';
const ORG = 'corp-example';

function lapse(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, LAPSE_LOG_LEVEL: 'warn', GITHUB_TOKEN_LAPSE: TOKEN } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** ann pushes to api every hour for six days; ben pushed to web once on the first day. */
function entries(): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let h = 0; h < 6 * 24; h++) {
    out.push({ _document_id: `a${h}`, '@timestamp': Date.parse('2026-06-01T00:30:00Z') + h * 3_600_000, action: 'git.push', actor: 'ann-corp', org: ORG, repo: `${ORG}/api` });
  }
  out.push({ _document_id: 'b1', '@timestamp': Date.parse('2026-06-01T09:00:00Z'), action: 'git.push', actor: 'ben-corp', org: ORG, repo: `${ORG}/web` });
  return out;
}

let stubs: GithubStub[] = [];
afterEach(async () => {
  for (const s of stubs) {
    expect(s.violations).toEqual([]);
    await s.close();
  }
  stubs = [];
});

async function company(): Promise<{ dir: string; stub: GithubStub }> {
  const stub = await startGithub({
    org: ORG,
    token: TOKEN,
    entries: entries(),
    members: [],
    repos: [
      { name: 'api', collaborators: [{ login: 'ann-corp', role: 'write' }] },
      { name: 'web', collaborators: [{ login: 'ben-corp', role: 'write' }] },
    ],
    teams: [{ slug: 'platform', members: ['ann-corp', 'ben-corp'], repos: ['api'] }],
  });
  stubs.push(stub);
  const dir = await tempDir('lapse-github-');
  const github = `{ org: ${ORG}, api_url: "${stub.url}", token_env: GITHUB_TOKEN_LAPSE }`;
  await writeFiles(dir, {
    'people.csv': 'id,email,team,manager,status,aliases\nann,ann@corp.example,eng,,active,github:ann-corp\nben,ben@corp.example,eng,ann,active,github:ben-corp\n',
    'lapse.yaml': [
      'store: ./lake',
      'directory: { path: people.csv }',
      'defaults: { ttl_days: 3, max_source_lag_days: 2 }',
      'guards: { max_revoke_fraction: 1 }',
      'systems:',
      '  github:',
      '    connector: github_audit',
      `    logs: [{ github: ${github} }]`,
      `    grants: { github: ${github} }`,
      'actions:',
      '  - { type: ticket_preview, dir: ./out/tickets }',
      '',
    ].join('\n'),
  });
  return { dir, stub };
}

describe('github: connected through its API (built CLI)', () => {
  test('the daily job reads the audit log and the grants, and finds the unused repository access', async () => {
    const { dir } = await company();
    const ingest = await lapse(['ingest', '--config', 'lapse.yaml', '--source', 'github', '--backfill-from', '2026-06-01', '--as-of', '2026-06-07'], dir);
    expect(ingest.err).toBe('');
    expect(ingest.code).toBe(0);
    const run = await lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-07'], dir);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse((await lapse(['detect', '--config', 'lapse.yaml', '--as-of', '2026-06-07', '--json'], dir)).out) as {
      findings: { principal: string; permission: string; kind: string; via: string }[];
    };
    expect(doc.findings.map((f) => `${f.principal} ${f.permission} ${f.kind} ${f.via}`).sort()).toEqual([
      `ben-corp repo/${ORG}/api never_used team:platform`,
      `ben-corp repo/${ORG}/web stale role:write`,
    ]);
  }, 120_000);

  test('doctor names the permission GitHub says the token lacks', async () => {
    const { dir, stub } = await company();
    stub.denied.add('orgs/get-audit-log');
    const doctor = await lapse(['doctor', '--config', 'lapse.yaml'], dir);
    expect(doctor.out).toMatch(/FAIL\s+github logs \(GitHub API\): .*\/orgs\/corp-example\/audit-log: access denied: missing organization_administration:read/);
    expect(doctor.out).toMatch(/ok\s+github grants \(GitHub API\)/);
  }, 60_000);
});
