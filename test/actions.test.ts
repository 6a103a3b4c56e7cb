import { existsSync } from 'node:fs';
import { copyFile, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loadActionUses } from '../aggregate/index.js';
import { loadConfig } from '../core/config.js';
import { buildConfigSchema } from '../cli/config.js';
import { hashes, jsonl, lapse, stageContext, tempDir, writeFiles } from './helpers.js';

/**
 * `actions: true` end to end through the built CLI: lapse ingest writes actions_daily/ beside usage_daily/
 * (CloudTrail calls as IAM actions), compaction keeps it, a failed batch leaves nothing visible, and a
 * system with actions off writes nothing more than before.
 */

const ACCOUNT = '111122223333';

/** A CloudTrail log file of Identity Center sessions: [who, eventSource, eventName, time]. */
function trail(calls: [string, string, string, string][]): string {
  return JSON.stringify({
    Records: calls.map(([who, source, name, time], i) => ({
      eventVersion: '1.08', eventTime: time, eventSource: `${source}.amazonaws.com`, eventName: name, eventID: `${time}-${i}`,
      awsRegion: 'eu-west-1', readOnly: name.startsWith('List') || name.startsWith('Describe'),
      userIdentity: {
        type: 'AssumedRole', accountId: ACCOUNT, principalId: `AROAEXAMPLE:${who}`,
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Dev_0123456789abcdef/${who}`,
        sessionContext: { sessionIssuer: { type: 'Role', userName: 'AWSReservedSSO_Dev_0123456789abcdef' } },
      },
    })),
  });
}

function configText(actions: { aws: boolean; app: boolean }, store = './lake'): string {
  return [
    `store: ${store}`,
    'directory: { path: people.csv }',
    'systems:',
    '  aws:',
    '    connector: aws_cloudtrail',
    '    logs: [{ path: logs/aws/ }]',
    '    grants: { path: grants.jsonl }',
    `    actions: ${actions.aws}`,
    '  app:',
    '    connector: jsonl',
    '    logs: [{ path: logs/app/ }]',
    '    grants: { path: grants.jsonl }',
    '    mapping: { time: ts, principal: user, permission: perm, action: op, outcome: { field: result, success: [ok] } }',
    `    actions: ${actions.app}`,
    '',
  ].join('\n');
}

const DAY1 = [
  ['ann@corp.example', 's3', 'ListObjectsV2', '2026-06-01T09:00:00Z'],
  ['ann@corp.example', 's3', 'GetObject', '2026-06-01T09:05:00Z'],
  ['ann@corp.example', 's3', 'GetObject', '2026-06-01T10:00:00Z'],
  ['ben@corp.example', 'monitoring', 'DescribeAlarms', '2026-06-01T11:00:00Z'],
  ['ben@corp.example', 'signin', 'ConsoleLogin', '2026-06-01T08:00:00Z'],
] as [string, string, string, string][];
// HeadObject is authorised by s3:GetObject: two calls as logged with one IAM action (summed again at ingest).
const DAY2 = [
  ['ann@corp.example', 's3', 'GetObject', '2026-06-02T09:00:00Z'],
  ['ann@corp.example', 's3', 'HeadObject', '2026-06-02T09:10:00Z'],
  ['ann@corp.example', 'lambda', 'UpdateFunctionCode20150331v2', '2026-06-02T09:30:00Z'],
] as [string, string, string, string][];

async function company(actions = { aws: true, app: false }): Promise<string> {
  const dir = await tempDir('lapse-actions-');
  await writeFiles(dir, {
    'lapse.yaml': configText(actions),
    'lapse-on.yaml': configText({ aws: true, app: true }, './lake-on'),
    'lapse-off.yaml': configText({ aws: false, app: false }, './lake-off'),
    'people.csv': 'id,email,team,manager,status,aliases\nann,ann@corp.example,eng,,active,\nben,ben@corp.example,eng,,active,\n',
    'grants.jsonl': jsonl([{ principal: 'ann@corp.example', permission: `${ACCOUNT}/Dev` }]),
    'logs/aws/day1.json': trail(DAY1),
    'logs/aws/day2.json': trail(DAY2),
    'logs/app/app.jsonl': jsonl([{ ts: '2026-06-01T09:00:00Z', user: 'ann', perm: 'wiki', op: 'edit', result: 'ok' }]),
  });
  return dir;
}

const opened: { close(): void }[] = [];
afterEach(() => opened.splice(0).forEach((c) => c.close()));

/** A stage context on the company's lake (`lake` under `dir`), closed after the test. */
async function open(dir: string, lake = 'lake') {
  const ctx = await stageContext(await loadConfig(join(dir, 'lapse.yaml'), buildConfigSchema()), join(dir, lake));
  opened.push(ctx);
  return ctx;
}

/** lapse_action_uses over June, as rows, and the coverage. */
async function actionUses(dir: string, lake = 'lake') {
  const ctx = await open(dir, lake);
  const coverage = await loadActionUses(ctx, { from: '2026-06-01', to: '2026-06-30' });
  const rows = await ctx.db.all(
    `SELECT system, principal, permission, action, iam, uses, days, first_seen::VARCHAR AS first_seen, last_seen::VARCHAR AS last_seen
     FROM lapse_action_uses ORDER BY ALL`,
  );
  return { coverage, rows };
}

const ingest = (dir: string, file = 'lapse.yaml') => lapse(['ingest', '--config', file, '--as-of', '2026-06-30'], dir);

async function parquetFiles(root: string): Promise<string[]> {
  if (!existsSync(root)) return [];
  return (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
}

const PERM = `${ACCOUNT}/Dev`;
const EXPECTED = [
  { system: 'aws', principal: 'ann@corp.example', permission: PERM, action: 'lambda:UpdateFunctionCode', iam: true, uses: 1, days: 1,
    first_seen: '2026-06-02 09:30:00+00', last_seen: '2026-06-02 09:30:00+00' },
  { system: 'aws', principal: 'ann@corp.example', permission: PERM, action: 's3:GetObject', iam: true, uses: 4, days: 2,
    first_seen: '2026-06-01 09:05:00+00', last_seen: '2026-06-02 09:10:00+00' },
  { system: 'aws', principal: 'ann@corp.example', permission: PERM, action: 's3:ListBucket', iam: true, uses: 1, days: 1,
    first_seen: '2026-06-01 09:00:00+00', last_seen: '2026-06-01 09:00:00+00' },
  { system: 'aws', principal: 'ben@corp.example', permission: PERM, action: 'cloudwatch:DescribeAlarms', iam: true, uses: 1, days: 1,
    first_seen: '2026-06-01 11:00:00+00', last_seen: '2026-06-01 11:00:00+00' },
  { system: 'aws', principal: 'ben@corp.example', permission: PERM, action: 'signin:ConsoleLogin', iam: false, uses: 1, days: 1,
    first_seen: '2026-06-01 08:00:00+00', last_seen: '2026-06-01 08:00:00+00' },
];

describe('actions: true, through lapse ingest', () => {
  test('writes actions_daily/ per system and day, the IAM action of each call; a system with actions off writes none', async () => {
    const dir = await company();
    const r = ingest(dir);
    expect(r.code, r.err).toBe(0);
    const files = await parquetFiles(join(dir, 'lake/actions_daily'));
    expect(files.map((f) => f.split('/').slice(0, 2).join('/'))).toEqual(['system=aws/day=2026-06-01', 'system=aws/day=2026-06-02']);
    const { coverage, rows } = await actionUses(dir);
    expect(rows).toEqual(EXPECTED);
    expect(coverage).toEqual([{ system: 'aws', first_day: '2026-06-01', last_day: '2026-06-02' }]);
    // One row per (day, principal, permission, action, source object), though GetObject and HeadObject are both s3:GetObject.
    const keys = await (await open(dir)).db.one<{ rows: number; keys: number }>(
      `SELECT count(*) AS rows, count(DISTINCT (day, principal, permission, action, source)) AS keys
       FROM read_parquet($glob, hive_partitioning = true)`,
      { glob: join(dir, 'lake/actions_daily/**/*.parquet') },
    );
    expect(keys!.rows).toBe(keys!.keys);
  });

  test('the usage summaries and the ledger are the same with actions on or off; off writes no actions_daily/', async () => {
    const dir = await company();
    for (const file of ['lapse-on.yaml', 'lapse-off.yaml']) expect(ingest(dir, file).code).toBe(0);
    expect(existsSync(join(dir, 'lake-off/actions_daily'))).toBe(false);
    expect(await parquetFiles(join(dir, 'lake-on/actions_daily'))).not.toEqual([]);
    const ctx = await open(dir);
    const read = (lake: string, kind: string) =>
      ctx.db.all(`SELECT * FROM read_parquet($glob, hive_partitioning = true) ORDER BY ALL`, { glob: join(dir, lake, kind, '**/*.parquet') });
    for (const kind of ['usage_daily', 'objects']) {
      const on = await read('lake-on', kind);
      expect(on.length).toBeGreaterThan(0);
      expect(on, kind).toEqual(await read('lake-off', kind));
    }
    // The generic connector's action is kept as logged.
    const app = (await actionUses(dir, 'lake-on')).rows.filter((r) => r['system'] === 'app');
    expect(app).toMatchObject([{ action: 'edit', iam: false, uses: 1 }]);
  });

  test('compaction merges each day partition of actions_daily/ and keeps its rows', async () => {
    const dir = await company();
    await rm(join(dir, 'logs/aws/day2.json'));
    expect(ingest(dir).code).toBe(0);
    // A later file with calls of both days: a second shard in each day partition, merged by the next run.
    await writeFile(join(dir, 'logs/aws/day2.json'), trail(DAY2));
    await writeFile(join(dir, 'logs/aws/late.json'), trail([['ann@corp.example', 's3', 'GetObject', '2026-06-01T23:00:00Z']]));
    const r = ingest(dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/partitions? compacted/);
    const files = await parquetFiles(join(dir, 'lake/actions_daily'));
    expect(files.filter((f) => f.includes('day=2026-06-01'))).toHaveLength(1);
    const { rows } = await actionUses(dir);
    const get = rows.find((x) => x['action'] === 's3:GetObject');
    expect(get).toMatchObject({ uses: 5, days: 2, first_seen: '2026-06-01 09:05:00+00', last_seen: '2026-06-02 09:10:00+00' });
    expect(rows.filter((x) => x['action'] !== 's3:GetObject')).toEqual(EXPECTED.filter((x) => x.action !== 's3:GetObject'));
  });

  test('a file the typed path hands back, and a batch it cannot read, are read as text: each call counted once, the bad record quarantined with its text', async () => {
    const dir = await company();
    const broken = JSON.parse(trail([['ann@corp.example', 's3', 'GetObject', '2026-06-03T09:00:00Z']])) as { Records: Record<string, unknown>[] };
    // An assumed role without its ARN or issuer: missing_principal, quarantined, so its file goes to the text path.
    broken.Records.push({ ...broken.Records[0], eventID: 'no-arn', userIdentity: { type: 'AssumedRole', accountId: ACCOUNT, principalId: 'AROANOARN' } });
    await writeFile(join(dir, 'logs/aws/bad.json'), JSON.stringify(broken));
    // Pretty-printed: the batch's typed read fails, and every file of it is probed and read again.
    await writeFile(join(dir, 'logs/aws/pretty.json'), JSON.stringify(JSON.parse(trail([['ben@corp.example', 'monitoring', 'DescribeAlarms', '2026-06-04T11:00:00Z']])), null, 2));
    const r = ingest(dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out + r.err).not.toMatch(/retry_as_text/);
    const { rows } = await actionUses(dir);
    expect(rows.find((x) => x['action'] === 's3:GetObject')).toMatchObject({ uses: 5, days: 3, last_seen: '2026-06-03 09:00:00+00' });
    expect(rows.find((x) => x['action'] === 'cloudwatch:DescribeAlarms')).toMatchObject({ uses: 2, days: 2 });
    const changed = ['s3:GetObject', 'cloudwatch:DescribeAlarms'];
    expect(rows.filter((x) => !changed.includes(x['action'] as string))).toEqual(EXPECTED.filter((x) => !changed.includes(x.action)));
    const quarantined = (await readdir(join(dir, 'lake/quarantine'), { recursive: true })).filter((f) => f.endsWith('.jsonl'));
    const lines = (await Promise.all(quarantined.map((f) => readFile(join(dir, 'lake/quarantine', f), 'utf8')))).join('').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as { reason: string; raw: string })).toMatchObject([{ reason: 'missing_principal', raw: expect.stringContaining('AROANOARN') }]);
  });

  test('a compaction cut short (its merged file beside the files it read) counts each row once', async () => {
    const dir = await company();
    expect(ingest(dir).code).toBe(0);
    // What a crash between writing the merged file and removing its inputs leaves: two copies of every row.
    for (const day of ['2026-06-01', '2026-06-02']) {
      const part = join(dir, 'lake/actions_daily/system=aws', `day=${day}`);
      const [file] = await readdir(part);
      await copyFile(join(part, file!), join(part, 'c-merged.parquet'));
    }
    expect((await actionUses(dir)).rows).toEqual(EXPECTED);
  });

  test('actions: true on a connector without an action mapper is refused before anything runs (exit 2)', async () => {
    const dir = await company();
    await writeFile(join(dir, 'okta.yaml'), [
      'store: ./lake', 'directory: { path: people.csv }', 'systems:', '  okta:', '    connector: okta_system_log',
      '    logs: [{ path: logs/app/ }]', '    grants: { path: grants.jsonl }', '    actions: true', '',
    ].join('\n'));
    const r = ingest(dir, 'okta.yaml');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/systems\.okta\.actions: okta_system_log has no action mapper.*aws_cloudtrail/);
    expect(existsSync(join(dir, 'lake'))).toBe(false);
  });

  test('a batch that fails before its ledger commit leaves no visible action summaries; the retry counts each call once', async () => {
    const dir = await company();
    // The batch's ledger file (its name, from a run into another lake) is taken by a folder: writing the commit
    // point fails, after the batch's summaries were written.
    expect(ingest(dir, 'lapse-on.yaml').code).toBe(0);
    const [ledgerFile] = (await readdir(join(dir, 'lake-on/objects/system=aws')));
    await mkdir(join(dir, 'lake/objects/system=aws', ledgerFile!), { recursive: true });
    const failed = ingest(dir);
    expect(failed.code).not.toBe(0);
    expect(Object.keys(await hashes(join(dir, 'lake/actions_daily'))).length, 'the summaries were written').toBeGreaterThan(0);
    expect(await actionUses(dir)).toEqual({ coverage: [], rows: [] });
    await rm(join(dir, 'lake/objects/system=aws', ledgerFile!), { recursive: true });
    expect(ingest(dir).code).toBe(0);
    expect((await actionUses(dir)).rows).toEqual(EXPECTED);
  });
});
