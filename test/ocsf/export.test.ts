import { spawn } from 'node:child_process';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lapseProduct, ocsfRecords } from '../../actions/ocsf/record.js';
import { Db, sqlString } from '../../core/db.js';
import { listObjects } from '../../core/s3.js';
import { tempDir } from '../helpers.js';
import { startAwsServers, type AwsServers } from '../aws/servers.js';
import { AS_OF, run, world } from '../world.js';
import { hasOcsf, OcsfSchema } from './schema.js';

/**
 * `lapse export --format ocsf` and the `ocsf` action end to end through the built CLI on a copy of the demo:
 * every record (JSON Lines, and each Parquet row read back) validates against the vendored OCSF 1.6.0 schema;
 * a re-export replaces rather than duplicates; the Security Lake layout is written to s3rver.
 */

const DEMO = new URL('../../fixtures/demo/', import.meta.url).pathname;
const BIN = new URL('../../bin/lapse.js', import.meta.url).pathname;
const FILE = 'lapse-findings-2026-06-30.ocsf';

type Rec = Record<string, any>;

/** The built CLI, asynchronously (s3rver answers in this process). */
function lapse(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, LAPSE_LOG_LEVEL: 'warn', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/** Parquet rows as JSON, nulls dropped (Parquet cannot tell an absent attribute from a null). */
async function parquetRecords(file: string): Promise<Rec[]> {
  const db = await Db.open({ threads: 1 });
  try {
    const rows = await db.all<{ j: string }>(`SELECT to_json(t)::VARCHAR AS j FROM read_parquet(${sqlString(file)}) t`);
    return rows.map((r) => dropNulls(JSON.parse(r.j)) as Rec);
  } finally {
    db.close();
  }
}

function dropNulls(v: unknown, inUnmapped = false): unknown {
  if (Array.isArray(v)) return v.map((x) => dropNulls(x, inUnmapped));
  if (!v || typeof v !== 'object') return v;
  const entries = Object.entries(v).filter(([, x]) => inUnmapped || x !== null);
  return Object.fromEntries(entries.map(([k, x]) => [k, dropNulls(x, inUnmapped || k === 'unmapped')]));
}

const readJsonl = async (file: string): Promise<Rec[]> => (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Rec);

const schema = hasOcsf ? new OcsfSchema() : undefined;
const problems = (records: Rec[]) => records.flatMap((r) => schema!.validate(r, 'iam_analysis_finding').map((e) => `${r['finding_info']?.uid}: ${e}`));

let root: string;
let demo: string;
let storedIds: string[];
beforeAll(async () => {
  root = await tempDir('lapse-ocsf-');
  demo = join(root, 'a/b/demo');
  await cp(DEMO, demo, { recursive: true });
  const r = await lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], demo);
  expect(r.code, r.err).toBe(3);
  const db = await Db.open({ threads: 1 });
  const file = join(root, 'a/lapse-data/findings/as_of=2026-06-30/findings.parquet');
  storedIds = (await db.all<{ id: string }>(`SELECT finding_id AS id FROM read_parquet(${sqlString(file)}) ORDER BY 1`)).map((x) => x.id);
  db.close();
}, 120_000);

describe('lapse export --format ocsf on the demo', () => {
  let records: Rec[];
  beforeAll(async () => {
    const r = await lapse(['export', '--config', 'lapse.yaml', '--format', 'ocsf', '--out', '../ocsf'], demo);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^47 OCSF findings as of 2026-06-30 \(run 2026-06-30-\w+\) → /);
    records = await readJsonl(join(root, 'a/b/ocsf', `${FILE}.jsonl`));
  }, 60_000);

  test('one IAM Analysis Finding per stored finding, keyed by its finding id', () => {
    expect(storedIds.length).toBe(47);
    expect(records.map((r) => r['finding_info'].uid).sort()).toEqual(storedIds);
    expect(new Set(records.map((r) => r['class_uid']))).toEqual(new Set([2008]));
  });

  test.skipIf(!hasOcsf)('every record validates against the vendored OCSF 1.6.0 schema', () => {
    expect(problems(records)).toEqual([]);
  });

  test.skipIf(!hasOcsf)('every Parquet row is the same record and validates', async () => {
    const rows = await parquetRecords(join(root, 'a/b/ocsf', `${FILE}.parquet`));
    expect(rows.map((r) => r['finding_info'].uid)).toEqual(records.map((r) => r['finding_info'].uid));
    expect(problems(rows)).toEqual([]);
    expect(rows[0]).toEqual(dropNulls(records[0]));
  });

  test('the identity, the grant, its use, the lifecycle, the restore path and the product', () => {
    const ravi = records.find((r) => r['user'].uid === 'rmenon' && r['finding_info'].types[0] === 'terminated' && r['unmapped'].lapse.permission.endsWith('infra-terraform'))!;
    expect(ravi).toMatchObject({
      severity_id: 4, severity: 'High', status_id: 1, status: 'New', activity_id: 1, type_uid: 200801,
      user: { uid: 'rmenon', name: 'rmenon', email_addr: expect.stringMatching(/@corp\.example$/) },
      permission_analysis_results: [{ policy: { uid: 'repo/corp-example/infra-terraform' }, granted_privileges: ['repo/corp-example/infra-terraform'] }],
      metadata: { version: '1.6.0', product: { name: 'lapse', version: lapseProduct().version } },
    });
    expect(ravi['remediation'].desc).toContain(
      'lapse restore --config lapse.yaml --system github --principal rmenon --permission repo/corp-example/infra-terraform',
    );
    const lapseFields = ravi['unmapped'].lapse;
    expect(lapseFields).toMatchObject({ kind: 'terminated', ttl_days: expect.any(Number) });
    if (lapseFields.last_used) expect(ravi['identity_activity_metrics'].last_seen_time).toBe(Date.parse(`${lapseFields.last_used}T00:00:00Z`));
  });

  test('held and excluded findings say why', () => {
    const excluded = records.filter((r) => r['unmapped'].lapse.evidence.excluded_by);
    expect(excluded.length).toBeGreaterThan(0);
    for (const r of excluded) expect(r['status_detail']).toMatch(/^excluded by \w+/);
    const breakglass = records.find((r) => r['user'].uid === 'breakglass@corp.example')!;
    expect(breakglass['status_detail']).toMatch(/^excluded by protected_principal/);
    expect(breakglass['remediation'].desc).toMatch(/lapse does not revoke it/);
    const held = records.filter((r) => r['unmapped'].lapse.evidence.guard);
    expect(held.length).toBeGreaterThan(0);
    for (const r of held.filter((x) => !x['unmapped'].lapse.evidence.excluded_by)) expect(r['status_detail']).toMatch(/^held by the \w+ guard: /);
  });

  test('a display name is the policy name; the id stays the key', () => {
    const labelled = records.filter((r) => r['unmapped'].lapse.label);
    expect(labelled.length).toBeGreaterThan(0);
    for (const r of labelled) {
      expect(r['permission_analysis_results'][0].policy.name).toBe(r['unmapped'].lapse.label);
      expect(r['permission_analysis_results'][0].policy.uid).toBe(r['unmapped'].lapse.permission);
    }
  });

  test('exporting again replaces the day’s files with the same bytes', async () => {
    const dir = join(root, 'a/b/ocsf');
    const before = await readFile(join(dir, `${FILE}.jsonl`), 'utf8');
    const r = await lapse(['export', '--config', 'lapse.yaml', '--format', 'ocsf', '--as-of', '2026-06-30', '--out', '../ocsf'], demo);
    expect(r.code, r.err).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([`${FILE}.jsonl`, `${FILE}.parquet`]);
    expect(await readFile(join(dir, `${FILE}.jsonl`), 'utf8')).toBe(before);
  }, 60_000);

  test('the ocsf action writes the same records on lapse act', async () => {
    const config = (await readFile(join(demo, 'lapse.yaml'), 'utf8')).replace('actions:\n', 'actions:\n  - { type: ocsf, out: ../act-ocsf }\n');
    await writeFile(join(demo, 'with-ocsf.yaml'), config);
    const r = await lapse(['act', '--config', 'with-ocsf.yaml', '--as-of', '2026-06-30'], demo);
    expect(r.out).toMatch(/ {2}ocsf\n {4}47 OCSF findings → /);
    const acted = await readJsonl(join(root, 'a/b/act-ocsf', `${FILE}.jsonl`));
    // The action cannot know the config's file name; the restore command names the default.
    expect(acted.map((x) => x['finding_info'].uid)).toEqual(records.map((x) => x['finding_info'].uid));
    expect(acted.map((x) => ({ ...x, remediation: null }))).toEqual(records.map((x) => ({ ...x, remediation: null })));
  }, 60_000);

  test.each([
    [['--format', 'csv', '--out', 'x'], /--format csv: unknown format; valid: ocsf/],
    [['--format', 'ocsf', '--out', 's3://bucket/ext/lapse'], /give its --region and --account-id/],
    [['--format', 'ocsf', '--out', 'x', '--region', 'us-east-1', '--account-id', '123456789012'], /--region and --account-id are for a Security Lake custom source/],
    [['--format', 'ocsf', '--out', 's3://b/ext/lapse', '--region', 'useast', '--account-id', '123456789012'], /--region: expected an AWS Region code/],
    [['--format', 'ocsf', '--out', 's3://b/ext/lapse', '--region', 'us-east-1', '--account-id', '1234'], /--account-id: expected a 12-digit AWS account id/],
    [['--format', 'ocsf', '--out', '../../lapse-data/ocsf'], /inside the lake/],
    [['--format', 'ocsf', '--out', 'x', '--as-of', '2026-05-01'], /no findings in .* for 2026-05-01/],
  ])('refuses %j', async (args, message) => {
    const r = await lapse(['export', '--config', 'lapse.yaml', ...args], demo);
    expect(r.code).toBe(message.source.includes('no findings') ? 1 : 2);
    expect(r.err).toMatch(message);
  });

  test('a config with an s3:// ocsf out and no security_lake is refused before anything runs', async () => {
    const config = (await readFile(join(demo, 'lapse.yaml'), 'utf8')).replace('actions:\n', 'actions:\n  - { type: ocsf, out: s3://bucket/ext/lapse }\n');
    await writeFile(join(demo, 'bad.yaml'), config);
    const r = await lapse(['detect', '--config', 'bad.yaml', '--as-of', '2026-06-30'], demo);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/actions\[0\]\.security_lake: required with an s3:\/\/ out/);
  });
});

describe('a Security Lake custom source (s3rver)', () => {
  let servers: AwsServers;
  beforeAll(async () => {
    servers = await startAwsServers();
    await servers.createBucket('aws-security-data-lake-eu-west-1-abc');
  });
  afterAll(() => servers?.close());

  test('Parquet only, under region=/accountId=/eventDay= of the source location; re-export replaces it', async () => {
    const out = 's3://aws-security-data-lake-eu-west-1-abc/ext/lapse/1.0';
    const args = ['export', '--config', 'lapse.yaml', '--format', 'ocsf', '--out', out, '--region', 'eu-west-1', '--account-id', '123456789012'];
    for (let i = 0; i < 2; i++) {
      const r = await lapse(args, demo, servers.env);
      expect(r.code, r.err).toBe(0);
    }
    const keys: string[] = [];
    for await (const o of listObjects(servers.s3, 'aws-security-data-lake-eu-west-1-abc', '')) keys.push(o.key);
    expect(keys).toEqual(['ext/lapse/1.0/region=eu-west-1/accountId=123456789012/eventDay=20260630/lapse-findings-2026-06-30.parquet']);
    const body = await servers.s3.send(new GetObjectCommand({ Bucket: 'aws-security-data-lake-eu-west-1-abc', Key: keys[0] }));
    const file = join(root, 'downloaded.parquet');
    await writeFile(file, await body.Body!.transformToByteArray());
    const rows = await parquetRecords(file);
    expect(rows.map((r) => r['finding_info'].uid).sort()).toEqual(storedIds);
    if (hasOcsf) expect(problems(rows)).toEqual([]);
  }, 60_000);
});

describe('lapse doctor with an ocsf action on a Security Lake source (s3rver)', () => {
  let servers: AwsServers;
  beforeAll(async () => {
    servers = await startAwsServers();
    await servers.createBucket('seclake');
  });
  afterAll(() => servers?.close());

  test('probes the source location and names the missing permission', async () => {
    const config = (await readFile(join(demo, 'lapse.yaml'), 'utf8')).replace(
      'actions:\n',
      'actions:\n  - { type: ocsf, out: s3://seclake/ext/lapse, security_lake: { region: us-east-1, account_id: "123456789012" } }\n',
    );
    await writeFile(join(demo, 'doctor.yaml'), config);
    const ok = await lapse(['doctor', '--config', 'doctor.yaml', '--as-of', '2026-06-30'], demo, servers.env);
    expect(ok.out).toMatch(/OCSF findings.*s3:\/\/seclake\/ext\/lapse: list, write, read, delete/);
    servers.deny.push({ s3: { method: 'PUT', path: '/seclake/ext/lapse' } });
    const denied = await lapse(['doctor', '--config', 'doctor.yaml', '--as-of', '2026-06-30'], demo, servers.env);
    expect(denied.out).toMatch(/OCSF findings.*s3:PutObject/);
  }, 60_000);
});

describe.skipIf(!hasOcsf)('the test world', () => {
  test('every kind and lifecycle status maps to a valid record', async () => {
    const ctx = await world({
      uses: [
        { day: '2026-01-10', who: 'ann@corp.example', perm: 'db' },
        { day: '2026-02-01', who: 'dan@corp.example', perm: 'reports' },
        { day: '2026-06-15', who: 'dan@corp.example', perm: 'reports' },
        { day: '2026-03-01', who: 'cat@corp.example', perm: 'db' },
      ],
      grants: [
        { principal: 'ann@corp.example', permission: 'db', label: 'Orders DB' },
        { principal: 'benny', permission: 'db', granted_at: '2025-01-01' },
        { principal: 'cat@corp.example', permission: 'db' },
        { principal: 'dan@corp.example', permission: 'reports' },
        { principal: 'dan@corp.example', permission: 'breakglass' },
        { principal: 'svc-backup', permission: 'db' },
        { principal: 'stranger', permission: 'db', granted_at: '2025-01-01' },
      ],
      snapshotDay: '2026-06-01',
    });
    const earlier = await run(ctx, '2026-06-01');
    const doc = await run(ctx, AS_OF);
    const records = [...ocsfRecords(earlier, lapseProduct()), ...ocsfRecords(doc, lapseProduct())] as Rec[];
    const statuses = new Set(doc.findings.map((f) => f.status));
    const kinds = new Set([...earlier.findings, ...doc.findings].map((f) => f.kind));
    expect(statuses).toEqual(expect.objectContaining(new Set(['new', 'open', 'resolved'])));
    expect([...kinds]).toEqual(expect.arrayContaining(['stale', 'never_used', 'terminated']));
    expect(problems(records)).toEqual([]);
    const resolved = records.find((r) => r['unmapped'].lapse.lifecycle_status === 'resolved')!;
    expect(resolved).toMatchObject({ status_id: 4, status: 'Resolved', activity_id: 3, type_uid: 200803 });
    const open = records.find((r) => r['unmapped'].lapse.lifecycle_status === 'open')!;
    expect(open).toMatchObject({ status_id: 2, status: 'In Progress', activity_id: 2 });
    // The same grant keeps its uid across runs: a consumer updates it.
    expect(records.filter((r) => r['finding_info'].uid === open['finding_info'].uid)).toHaveLength(2);
  });
});

describe('a run without findings', () => {
  test('writes an empty JSON Lines file and a Parquet file with no rows', async () => {
    const { LocalLake } = await import('../../core/store.js');
    const { writeOcsf } = await import('../../actions/ocsf/write.js');
    const dir = await tempDir('lapse-ocsf-empty-');
    const out = new LocalLake(dir);
    expect(await writeOcsf(out, [], '2026-06-30')).toEqual([`${FILE}.parquet`, `${FILE}.jsonl`]);
    await out.cleanup();
    expect(await readFile(join(dir, `${FILE}.jsonl`), 'utf8')).toBe('');
    expect(await parquetRecords(join(dir, `${FILE}.parquet`))).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual([`${FILE}.jsonl`, `${FILE}.parquet`]);
  });
});
