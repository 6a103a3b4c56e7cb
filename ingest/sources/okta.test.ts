import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { config, stageContext, tempDir, writeFiles } from '../../test/helpers.js';
import { ingest } from '../index.js';
import { error, startOkta, type OktaEvent, type OktaOrg, type OktaStub } from './testing/okta-stub.js';

/**
 * The okta: log source and grants source against a stub that validates every request and answer with
 * Okta's OpenAPI description (../shared/contracts/okta, vendored subset).
 */

const TOKEN = 'okta-test-token';
process.env['LAPSE_TEST_OKTA_TOKEN'] = TOKEN;
const PEOPLE = 'id,email,team,manager,status\nu1,ann@corp.example,eng,,active\nu2,ben@corp.example,eng,,active\n';
const APP = '0oa1awsssoEXAMPLE697';

/** `n` SSO events from `start`, one a minute, alternating ann and ben (ids e<from+i>). */
function events(n: number, start = '2026-06-01T00:00:00Z', from = 0): OktaEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    uuid: `e${String(from + i).padStart(6, '0')}`,
    published: new Date(Date.parse(start) + i * 60_000).toISOString(),
    eventType: 'user.authentication.sso',
    login: i % 2 ? 'Ben@corp.example' : 'ann@corp.example',
    appId: APP,
    appName: 'AWS',
  }));
}

function org(more: Partial<OktaOrg> = {}): OktaOrg {
  return {
    token: TOKEN,
    events: [],
    apps: [{ id: APP, label: 'AWS IAM Identity Center', users: [{ login: 'ann@corp.example' }], groups: ['00g1'] }],
    groups: [{ id: '00g1', name: 'Engineering', members: ['ben@corp.example'] }],
    ...more,
  };
}

let stubs: OktaStub[] = [];
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

async function okta(o: OktaOrg): Promise<OktaStub> {
  const s = await startOkta(o);
  stubs.push(s);
  return s;
}

async function setup(stub: OktaStub, dir?: string, source: Record<string, unknown> = {}) {
  dir ??= await tempDir();
  await writeFiles(dir, { 'people.csv': PEOPLE });
  const conn = { domain: stub.url, token_env: 'LAPSE_TEST_OKTA_TOKEN' };
  const cfg = config(dir, {
    directory: { path: 'people.csv' },
    systems: { okta: { connector: 'okta_system_log', logs: [{ okta: { ...conn, backfill_from: '2026-06-01', ...source } }], grants: { okta: conn } } },
  });
  const ctx = await stageContext(cfg);
  closers.push(() => ctx.close());
  return { dir, ctx };
}

/** Uses per (day, principal), summed over the lake's daily summaries. */
async function uses(ctx: Awaited<ReturnType<typeof setup>>['ctx'], dir: string) {
  return ctx.db.all(
    `SELECT day::VARCHAR AS day, principal, permission, sum(uses)::INTEGER AS uses FROM read_parquet($glob, hive_partitioning = true) GROUP BY ALL ORDER BY ALL`,
    { glob: join(dir, 'lake/usage_daily/**/*.parquet') },
  );
}

/** Every event id in the raw area's committed objects, with how often it appears. */
async function rawIds(ctx: Awaited<ReturnType<typeof setup>>['ctx'], dir: string) {
  const rows = await ctx.db.all<{ id: string; n: number }>(
    `SELECT json_extract_string(json, '$.uuid') AS id, count(*)::INTEGER AS n FROM read_json_objects($glob, format = 'newline_delimited') GROUP BY ALL ORDER BY ALL`,
    { glob: join(dir, 'lake/raw/system=okta/source=okta/day=*/*.jsonl.gz') },
  );
  return rows;
}

describe('okta: log source', () => {
  test('follows the cursor across pages, keeps the raw pages by day, and counts each event once', async () => {
    const stub = await okta(org({ events: events(2500), pageSize: 100 }));
    const { dir, ctx } = await setup(stub);
    const report = await ingest(ctx, '2026-06-05');
    expect(report.logs[0]).toMatchObject({ records: 2500, uses: 2500 });
    const logCalls = stub.requests.filter((r) => r.op === 'listLogEvents');
    // 25 full pages and the empty one where the cursor stops advancing.
    expect(logCalls).toHaveLength(26);
    expect(logCalls[0]!.query).toMatchObject({ since: '2026-06-01T00:00:00.000Z', filter: 'eventType eq "user.authentication.sso"' });
    expect(logCalls[1]!.query['after']).toBe('100');
    expect(await uses(ctx, dir)).toEqual([
      { day: '2026-06-01', principal: 'ann@corp.example', permission: `app/${APP}`, uses: 720 },
      { day: '2026-06-01', principal: 'ben@corp.example', permission: `app/${APP}`, uses: 720 },
      { day: '2026-06-02', principal: 'ann@corp.example', permission: `app/${APP}`, uses: 530 },
      { day: '2026-06-02', principal: 'ben@corp.example', permission: `app/${APP}`, uses: 530 },
    ]);
    const ids = await rawIds(ctx, dir);
    expect(ids).toHaveLength(2500);
    expect(ids.every((r) => r.n === 1)).toBe(true);
    // A second run re-reads only the overlap window, finds nothing new, writes nothing.
    const again = await ingest(ctx, '2026-06-05');
    expect(again.logs[0]).toMatchObject({ records: 0, files: 0 });
    // Only the newest checkpoint is kept: it supersedes the earlier ones.
    expect(await ctx.lake.list('raw/system=okta/source=okta/checkpoints/')).toHaveLength(1);
    const second = stub.requests.filter((r) => r.op === 'listLogEvents').slice(26);
    expect(second[0]!.query['since']).toBe(new Date(Date.parse('2026-06-01T00:00:00Z') + 2499 * 60_000 - 15 * 60_000).toISOString());
  });

  test('reports its progress in days fetched, complete only at the end (the CLI draws it on a terminal)', async () => {
    const stub = await okta(org({ events: events(3 * 1440, '2026-06-01T00:00:00Z'), pageSize: 1000 }));
    const { ctx } = await setup(stub);
    const seen: { done: number; total: number; unit: string; label: string }[] = [];
    ctx.progress = (p) => seen.push(p);
    await ingest(ctx, '2026-06-05');
    const api = seen.filter((p) => p.label === 'okta (okta API)');
    expect(api.length).toBeGreaterThan(3);
    expect(api.every((p) => p.unit === 'days')).toBe(true);
    expect(api.slice(0, -1).every((p) => p.done < p.total)).toBe(true);
    expect(api.at(-1)!.done).toBe(api.at(-1)!.total);
    expect(api.map((p) => p.done)).toEqual([...api.map((p) => p.done)].sort((a, b) => a - b));
  });

  test('the overlap window re-reads late events and drops the ones it holds by uuid', async () => {
    const stub = await okta(org({ events: events(100) }));
    const { dir, ctx } = await setup(stub);
    await ingest(ctx, '2026-06-05');
    // Logged late: published 5 minutes before the newest event held, within the 15-minute overlap.
    const newest = Date.parse('2026-06-01T00:00:00Z') + 99 * 60_000;
    stub.org.events.push({ ...events(1, new Date(newest - 5 * 60_000).toISOString(), 900)[0]!, login: 'ann@corp.example' });
    stub.org.events.push(...events(10, new Date(newest + 60_000).toISOString(), 100));
    const report = await ingest(ctx, '2026-06-05');
    expect(report.logs[0]).toMatchObject({ records: 11, uses: 11 });
    const ids = await rawIds(ctx, dir);
    expect(ids).toHaveLength(111);
    expect(ids.filter((r) => r.n > 1)).toEqual([]);
    expect((await uses(ctx, dir)).reduce((a, r) => a + (r['uses'] as number), 0)).toBe(111);
  });

  test('a 429 waits for X-Rate-Limit-Reset, a 5xx is retried, and the pacer keeps under the limit', async () => {
    const stub = await okta(org({ events: events(300), pageSize: 20, rateLimit: 6, windowMs: 1500 }));
    const reset = String(Math.ceil(Date.now() / 1000) + 1);
    stub.faults.set('listLogEvents', [
      { ...error(429, 'E0000047', 'API call exceeded rate limit due to too many requests.'), headers: { 'x-rate-limit-reset': reset, 'x-rate-limit-remaining': '0', 'x-rate-limit-limit': '6' } },
      error(503, 'E0000009', 'Internal Server Error'),
      error(500, 'E0000009', 'Internal Server Error'),
    ]);
    const { dir, ctx } = await setup(stub);
    const report = await ingest(ctx, '2026-06-05');
    expect(report.logs[0]).toMatchObject({ records: 300, uses: 300 });
    // 16 pages at 6 calls per window: the client waited for each reset instead of running into 429s.
    expect(stub.overLimit).toBe(0);
    expect((await uses(ctx, dir)).length).toBe(2);
  }, 30_000);

  test('a token without permission fails only its source: no raw objects, no checkpoint, no grants snapshot', async () => {
    const stub = await okta(org({ events: events(10) }));
    stub.denied.add('listLogEvents');
    stub.denied.add('listApplications');
    const { dir, ctx } = await setup(stub);
    const report = await ingest(ctx, '2026-06-05');
    expect(report.logs[0]).toMatchObject({ files: 0, records: 0 });
    expect(report.snapshots[0]).toMatchObject({ name: 'okta grants', rows: 0 });
    expect(report.snapshots[0]!.failed).toMatch(/403 E0000006/);
    expect(await ctx.lake.list('raw/')).toEqual([]);
    expect(await ctx.lake.list('grants/')).toEqual([]);
    // The permission comes back: the next run catches up from the backfill day.
    stub.denied.clear();
    const next = await ingest(ctx, '2026-06-05');
    expect(next.logs[0]).toMatchObject({ records: 10 });
    expect((await uses(ctx, dir)).length).toBe(2);
  });

  test('a token variable that is not set fails the source naming the config field', async () => {
    const stub = await okta(org({ events: events(3) }));
    const { ctx } = await setup(stub, undefined, { token_env: 'LAPSE_TEST_OKTA_UNSET' });
    const errors: string[] = [];
    ctx.log.error = ((o: { error?: string }) => errors.push(o.error ?? '')) as typeof ctx.log.error;
    const report = await ingest(ctx, '2026-06-05');
    expect(report.logs[0]).toMatchObject({ files: 0, records: 0 });
    expect(errors).toEqual(['systems.okta.logs[0].okta.token_env: environment variable LAPSE_TEST_OKTA_UNSET is not set']);
    // The log source never called Okta; the grants source (its own token) did.
    expect(stub.requests.filter((r) => r.op === 'listLogEvents')).toEqual([]);
    expect(report.snapshots[0]).toMatchObject({ rows: 2 });
  });

  test('an outage mid-backfill commits what was fetched; the re-run resumes and the lake matches one clean run', async () => {
    const all = events(1500);
    const clean = await okta(org({ events: all, pageSize: 50 }));
    const a = await setup(clean);
    await ingest(a.ctx, '2026-06-05');

    const broken = await okta(org({ events: all, pageSize: 50 }));
    // From the 13th page on, the API is down (after every retry): one batch of 10 pages is committed first.
    let calls = 0;
    broken.intercept = (req) => (req.op === 'listLogEvents' && ++calls > 12 ? error(502, 'E0000009', 'Bad Gateway') : undefined);
    const b = await setup(broken);
    const first = await ingest(b.ctx, '2026-06-05');
    expect(first.logs[0]!.records).toBe(600);
    broken.intercept = undefined;
    await ingest(b.ctx, '2026-06-05');
    expect(await uses(b.ctx, b.dir)).toEqual(await uses(a.ctx, a.dir));
    expect(await rawIds(b.ctx, b.dir)).toEqual(await rawIds(a.ctx, a.dir));
  }, 60_000);
});

describe('okta: signed in as an OAuth 2.0 service app (private-key JWT)', () => {
  test('the SDK trades a signed JWT for an access token; a scope the app lacks fails only that source', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    process.env['LAPSE_TEST_OKTA_KEY'] = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const serviceApp = { clientId: '0oaserviceapp', publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), scopes: ['okta.apps.read', 'okta.groups.read'] };
    const stub = await okta(org({ events: events(5), serviceApp }));
    const dir = await tempDir();
    await writeFiles(dir, { 'people.csv': PEOPLE });
    const conn = { domain: stub.url, client_id: '0oaserviceapp', private_key_env: 'LAPSE_TEST_OKTA_KEY' };
    const cfg = config(dir, {
      directory: { path: 'people.csv' },
      systems: { okta: { connector: 'okta_system_log', logs: [{ okta: { ...conn, backfill_from: '2026-06-01' } }], grants: { okta: conn } } },
    });
    const ctx = await stageContext(cfg);
    closers.push(() => ctx.close());
    const report = await ingest(ctx, '2026-06-05');
    // No okta.logs.read: the log source fails; the grants need only the scopes the app has.
    expect(report.logs[0]).toMatchObject({ records: 0 });
    expect(report.snapshots[0]).toMatchObject({ rows: 2 });
    expect(report.snapshots[0]!.failed).toBeUndefined();
    serviceApp.scopes.push('okta.logs.read');
    expect((await ingest(ctx, '2026-06-05')).logs[0]).toMatchObject({ records: 5 });
  });
});

describe('okta: grants source', () => {
  test('app users are direct, group members are via group:<name>, named by login', async () => {
    const stub = await okta(org());
    const { dir, ctx } = await setup(stub);
    const report = await ingest(ctx, '2026-06-05');
    expect(report.snapshots[0]).toMatchObject({ name: 'okta grants', rows: 2, quarantined: {} });
    const rows = await ctx.db.all(`SELECT principal, permission, via, label FROM read_parquet($f) ORDER BY ALL`, {
      f: join(dir, 'lake/grants/system=okta/day=2026-06-05/grants.parquet'),
    });
    expect(rows).toEqual([
      { principal: 'ann@corp.example', permission: `app/${APP}`, via: 'direct', label: 'AWS IAM Identity Center' },
      { principal: 'ben@corp.example', permission: `app/${APP}`, via: 'group:Engineering', label: 'AWS IAM Identity Center' },
    ]);
    // The records fetched are kept in the raw area, with each app's label.
    const raw = await ctx.db.all(`SELECT json_extract_string(json, '$.label') AS label FROM read_json_objects($f) LIMIT 1`, {
      f: join(dir, 'lake/raw/system=okta/source=okta/grants/day=2026-06-05/grants.jsonl.gz'),
    });
    expect(raw).toEqual([{ label: 'AWS IAM Identity Center' }]);
    // The next run's log source keeps it: only uncommitted log objects are removed.
    await ingest(ctx, '2026-06-05');
    expect((await ctx.lake.list('raw/system=okta/source=okta/grants/')).map((o) => o.key)).toEqual(['raw/system=okta/source=okta/grants/day=2026-06-05/grants.jsonl.gz']);
  });

  test('a thousand-app org', async () => {
    const groups = Array.from({ length: 20 }, (_, g) => ({ id: `00g${g}`, name: `team-${g}`, members: Array.from({ length: 5 }, (_, m) => `p${g * 5 + m}@corp.example`) }));
    const apps = Array.from({ length: 1000 }, (_, i) => ({
      id: `0oa${String(i).padStart(5, '0')}`,
      label: `App ${i}`,
      users: [{ login: `p${i % 100}@corp.example` }, { login: `p${(i + 1) % 100}@corp.example` }],
      groups: [`00g${i % 20}`],
    }));
    // Okta allows a few hundred calls a minute on these endpoints; the stub does not limit this test.
    const stub = await okta(org({ apps, groups, rateLimit: 1_000_000 }));
    const { ctx } = await setup(stub);
    const started = performance.now();
    const report = await ingest(ctx, '2026-06-05');
    const ms = performance.now() - started;
    // Two direct users and five group members per app, minus the overlaps of both ways (folded into one grant).
    expect(report.snapshots[0]!.rows).toBeGreaterThan(5000);
    expect(report.snapshots[0]!.failed).toBeUndefined();
    // Each group is read once, however many apps it is assigned to.
    expect(stub.requests.filter((r) => r.op === 'getGroup')).toHaveLength(20);
    process.stdout.write(`okta grants: 1000 apps in ${Math.round(ms)} ms, ${stub.requests.length} requests\n`);
  }, 120_000);
});
