import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { Db } from '../core/db.js';
import { startOkta, type OktaEvent, type OktaStub } from '../ingest/sources/testing/okta-stub.js';
import { tempDir, writeFiles } from './helpers.js';

/**
 * Okta connected through its API, end to end with the built CLI: `lapse ingest --backfill-from`, the
 * daily `lapse run`, a crash mid-backfill, doctor naming a missing permission, and config errors. The
 * stub validates every request and answer against Okta's OpenAPI description.
 */

const BIN = new URL('../bin/lapse.js', import.meta.url).pathname;
const TOKEN = 'okta-e2e-token';
const AWS = '0oa1awsssoEXAMPLE697';
const WIKI = '0oa2wikiEXAMPLE001';

/** Runs the CLI without blocking this process (the stub answers from it). */
function lapse(args: string[], cwd: string, onSpawn?: (kill: () => void) => void): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, LAPSE_LOG_LEVEL: 'warn', OKTA_API_TOKEN: TOKEN } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    onSpawn?.(() => child.kill('SIGKILL'));
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

/** ann signs in to AWS every hour for 6 days; ben used the wiki once on day one; cat never signs in. */
function events(): OktaEvent[] {
  const out: OktaEvent[] = [];
  for (let h = 0; h < 6 * 24; h++) {
    out.push({ uuid: `a${h}`, published: new Date(Date.parse('2026-06-01T00:30:00Z') + h * 3_600_000).toISOString(), eventType: 'user.authentication.sso', login: 'ann@corp.example', appId: AWS });
  }
  out.push({ uuid: 'b1', published: '2026-06-01T09:00:00.000Z', eventType: 'user.authentication.sso', login: 'ben@corp.example', appId: WIKI });
  out.push({ uuid: 'x1', published: '2026-06-02T09:00:00.000Z', eventType: 'user.session.start', login: 'cat@corp.example', appId: WIKI });
  return out;
}

let stubs: OktaStub[] = [];
afterEach(async () => {
  for (const s of stubs) {
    expect(s.violations).toEqual([]);
    await s.close();
  }
  stubs = [];
});

async function company(): Promise<{ dir: string; stub: OktaStub }> {
  const stub = await startOkta({
    token: TOKEN,
    events: events(),
    pageSize: 10,
    apps: [
      { id: AWS, label: 'AWS', users: [{ login: 'ann@corp.example', created: '2025-01-01T00:00:00.000Z' }], groups: [] },
      { id: WIKI, label: 'Wiki', users: [], groups: ['00gall'] },
    ],
    groups: [{ id: '00gall', name: 'Everyone', members: ['ann@corp.example', 'ben@corp.example', 'cat@corp.example'] }],
  });
  stubs.push(stub);
  const dir = await tempDir('lapse-okta-');
  const okta = `{ domain: "${stub.url}", token_env: OKTA_API_TOKEN }`;
  await writeFiles(dir, {
    'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\nben,ben@corp.example,eng,ann,active\ncat,cat@corp.example,eng,ann,active\n',
    'lapse.yaml': [
      'store: ./lake',
      'directory: { path: people.csv }',
      'defaults: { ttl_days: 3, max_source_lag_days: 2 }',
      'guards: { max_revoke_fraction: 1 }',
      'systems:',
      '  okta:',
      '    connector: okta_system_log',
      `    logs: [{ okta: ${okta} }]`,
      `    grants: { okta: ${okta} }`,
      'actions:',
      '  - { type: ticket_preview, dir: ./out/tickets }',
      '',
    ].join('\n'),
  });
  return { dir, stub };
}

async function lakeState(dir: string) {
  const db = await Db.open({ threads: 1 });
  try {
    const usage = await db.all(
      `SELECT day::VARCHAR AS day, principal, permission, sum(uses)::INTEGER AS uses FROM read_parquet($g, hive_partitioning = true) GROUP BY ALL ORDER BY ALL`,
      { g: join(dir, 'lake/usage_daily/**/*.parquet') },
    );
    const raw = await db.all(
      `SELECT json_extract_string(json, '$.uuid') AS id, count(*)::INTEGER AS n FROM read_json_objects($g, format = 'newline_delimited') GROUP BY ALL ORDER BY ALL`,
      { g: join(dir, 'lake/raw/system=okta/source=okta/day=*/*.jsonl.gz') },
    );
    return { usage, raw };
  } finally {
    db.close();
  }
}

describe('okta: connected through its API (built CLI)', () => {
  test('ingest --backfill-from, then the daily job finds the unused app assignments', async () => {
    const { dir, stub } = await company();
    const ingest = await lapse(['ingest', '--config', 'lapse.yaml', '--source', 'okta', '--backfill-from', '2026-06-01', '--as-of', '2026-06-07'], dir);
    expect(ingest.err).toBe('');
    expect(ingest.code).toBe(0);
    expect(stub.requests.find((r) => r.op === 'listLogEvents')!.query['since']).toBe('2026-06-01T00:00:00.000Z');
    const run = await lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-07'], dir);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/okta\s+0 files \(0 already in the lake\)/);
    // ben last used the wiki on June 1st (TTL 3 days): stale; ann and cat never did: never used; ann uses AWS.
    const detect = await lapse(['detect', '--config', 'lapse.yaml', '--as-of', '2026-06-07', '--json'], dir);
    const doc = JSON.parse(detect.out) as { findings: { principal: string; permission: string; kind: string; via: string }[] };
    const found = doc.findings.map((f) => `${f.principal} ${f.permission} ${f.kind} ${f.via}`).sort();
    expect(found).toEqual([
      `ann@corp.example app/${WIKI} never_used group:Everyone`,
      `ben@corp.example app/${WIKI} stale group:Everyone`,
      `cat@corp.example app/${WIKI} never_used group:Everyone`,
    ]);
  }, 120_000);

  test('--dry-run fetches and judges against a throw-away overlay: nothing is written', async () => {
    const { dir } = await company();
    // The first run's start in the config, as `backfill_from` (`lapse run` has no --backfill-from).
    const yaml = join(dir, 'lapse.yaml');
    await writeFile(yaml, (await readFile(yaml, 'utf8')).replace(/(logs: \[\{ okta: \{[^}]*)\}/, '$1, backfill_from: 2026-06-01 }'));
    const run = await lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-07', '--dry-run'], dir);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/DRY RUN/);
    expect(run.out).toMatch(/okta\s+\d+ files? \(0 already in the lake\): 145 records → 145 uses/);
    expect(run.out).toMatch(/okta grants\s+4 rows/);
    expect(existsSync(join(dir, 'lake'))).toBe(false);
  }, 120_000);

  test('killed mid-backfill, the re-run leaves the lake as one clean run does', async () => {
    const clean = await company();
    expect((await lapse(['ingest', '--config', 'lapse.yaml', '--backfill-from', '2026-06-01', '--as-of', '2026-06-07'], clean.dir)).code).toBe(0);

    const crashed = await company();
    let kill = () => {};
    let calls = 0;
    // The 12th page never answers: the process is killed there, after the first batch (10 pages) committed.
    crashed.stub.intercept = (req) => {
      if (req.op !== 'listLogEvents' || ++calls !== 12) return undefined;
      setTimeout(() => kill(), 200);
      return 'hang';
    };
    const killed = await lapse(['ingest', '--config', 'lapse.yaml', '--backfill-from', '2026-06-01', '--as-of', '2026-06-07'], crashed.dir, (k) => (kill = k));
    expect(killed.signal).toBe('SIGKILL');
    const partial = await lakeState(crashed.dir);
    expect(partial.raw.length).toBeGreaterThan(0);
    expect(partial.raw.length).toBeLessThan(146);
    crashed.stub.intercept = undefined;
    expect((await lapse(['ingest', '--config', 'lapse.yaml', '--backfill-from', '2026-06-01', '--as-of', '2026-06-07'], crashed.dir)).code).toBe(0);
    expect(await lakeState(crashed.dir)).toEqual(await lakeState(clean.dir));
    const findings = async (dir: string) => JSON.parse((await lapse(['detect', '--config', 'lapse.yaml', '--as-of', '2026-06-07', '--json'], dir)).out).findings as unknown[];
    expect(await findings(crashed.dir)).toEqual(await findings(clean.dir));
  }, 120_000);

  test('doctor names the missing permission; a revoked token fails only the okta source', async () => {
    const { dir, stub } = await company();
    stub.denied.add('listLogEvents');
    const doctor = await lapse(['doctor', '--config', 'lapse.yaml'], dir);
    expect(doctor.out).toMatch(/FAIL\s+okta logs \(Okta API\): .*\/api\/v1\/logs: access denied: missing okta\.logs\.read/);
    expect(doctor.out).toMatch(/ok\s+okta grants \(Okta API\)/);
    const ingest = await lapse(['ingest', '--config', 'lapse.yaml', '--backfill-from', '2026-06-01', '--as-of', '2026-06-07'], dir);
    expect(ingest.code).toBe(0);
    expect(ingest.err).toMatch(/systems\.okta\.logs\[0\]\.okta: the okta API failed/);
    expect(ingest.out).toMatch(/okta\s+source failed \(what it fetched is kept; the next run resumes\): .*403/);
    stub.denied.add('listApplications');
    const again = await lapse(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-08'], dir);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/okta grants\s+not refreshed \(the previous snapshot stays\): Okta HTTP 403 E0000006/);
  }, 120_000);

  test('config errors name the field and exit 2 before anything runs', async () => {
    const dir = await tempDir('lapse-okta-config-');
    const base = ['store: ./lake', 'directory: { path: people.csv }', 'systems:'];
    await writeFiles(dir, {
      'people.csv': 'id,email,team,manager,status\n',
      'a.yaml': [...base, '  okta:', '    connector: okta_system_log', '    logs: [{ okta: { domain: corp.okta.com } }]', '    grants: { okta: { domain: corp.okta.com, token_env: T } }', ''].join('\n'),
      'b.yaml': [...base, '  web:', '    connector: jsonl', '    logs: [{ okta: { domain: corp.okta.com, token_env: T } }]', '    grants: { path: people.csv }', '    mapping: { time: t, principal: p, permission: q }', ''].join('\n'),
      'c.yaml': [...base, '  okta:', '    connector: okta_system_log', '    logs: [{ okta: { domain: "http://corp.okta.com", token_env: T, overlap_minutes: -1 } }]', '    grants: { path: people.csv, okta: { domain: corp.okta.com, token_env: T } }', ''].join('\n'),
    });
    const a = await lapse(['ingest', '--config', 'a.yaml'], dir);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/systems\.okta\.logs\[0\]\.okta: give either token_env, or client_id with private_key_env/);
    const b = await lapse(['ingest', '--config', 'b.yaml'], dir);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/systems\.web\.logs\[0\]\.okta: an okta source feeds connector okta_system_log, not jsonl/);
    const c = await lapse(['ingest', '--config', 'c.yaml'], dir);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/systems\.okta\.logs\[0\]\.okta\.domain: https only/);
    expect(c.err).toMatch(/systems\.okta\.logs\[0\]\.okta\.overlap_minutes/);
    expect(c.err).toMatch(/systems\.okta\.grants: grants come from exactly one of path, okta, github/);
    expect((await lapse(['ingest', '--config', 'a.yaml', '--backfill-from', 'June'], dir)).err).toMatch(/--backfill-from June: expected a UTC day/);
  }, 60_000);
});
