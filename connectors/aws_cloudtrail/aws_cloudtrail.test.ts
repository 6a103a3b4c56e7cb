import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import type { ParsedRecord } from '../_shared/parse.js';
import { RETRY_AS_TEXT } from '../_shared/retry.js';
import { connectorKit, handedBack, textOnly } from '../_shared/testkit.js';
import { awsCloudtrail } from './connector.js';
import { DOCUMENT, RECORD } from './record.js';
import { layoutOf } from './scan.js';

/**
 * The connector over real vendor samples (read in place, never copied into the repo), its grants
 * reader, and how it tells file layouts apart. Golden cases live in connectors/aws_cloudtrail/cases/.
 */
const SAMPLES = '/work/shared/samples/aws-cloudtrail';

const kit = connectorKit(awsCloudtrail, 'aws');
const { parse } = kit;

function tally(rows: ParsedRecord[]) {
  const drops: Record<string, number> = {};
  for (const r of rows) if (r.drop_reason !== null) drops[r.drop_reason] = (drops[r.drop_reason] ?? 0) + 1;
  return { records: new Set(rows.map((r) => r.record)).size, events: rows.filter((r) => r.drop_reason === null).length, drops };
}

/** Per sample file: records (lines or documents), uses, and drops by reason, checked by hand. */
const EXPECTED: Record<string, ReturnType<typeof tally>> = {
  'awsdocs-cloudtrail-log-file-example-multiline.json': { records: 1, events: 1, drops: {} },
  // 7 log-file documents holding 8 records; the last document holds two Insights records.
  'awsdocs-cloudtrail-log-file-examples.records.jsonl': { records: 7, events: 5, drops: { denied: 1, insight: 2 } },
  'awsdocs-iam-identity-center-signin-events.jsonl': { records: 14, events: 0, drops: { sign_in: 14 } },
  // Two failed console logins: errorMessage and responseElements.ConsoleLogin = Failure, no errorCode.
  'elastic-aws-cloudtrail-test-console-login-json.log': { records: 3, events: 1, drops: { denied: 2 } },
  // 87 calls by IAM user pedro; 11 by an EC2 instance-profile session and 5 by AWS services.
  'otrf-ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl': { records: 103, events: 87, drops: { service_principal: 16 } },
  // Detection-rule test events: trimmed (no ARN session, no account), lower-cased keys, placeholder times.
  'panther-aws-cloudtrail-tests.jsonl': {
    records: 223,
    events: 83,
    drops: {
      bad_time: 2, cross_account: 5, denied: 62, lowercase_keys: 7, missing_permission: 5, missing_principal: 21,
      missing_time: 17, no_identity: 6, root: 10, service_principal: 5,
    },
  },
  'panther-test-scenarios-cloudtrail.jsonl': { records: 27, events: 1, drops: { root: 26 } },
  // LookupEvents results: the record is the CloudTrailEvent string; one AWS service event.
  'plaso-aws_cloudtrail.jsonl': { records: 6, events: 5, drops: { service_principal: 1 } },
};

const logFiles = () => (existsSync(SAMPLES) ? readdirSync(SAMPLES).filter((f) => !f.endsWith('.tsv')).sort() : []);

describe.skipIf(!existsSync(SAMPLES))(`vendor samples in ${SAMPLES}`, () => {
  test('every sample log file has expectations', () => {
    expect(logFiles()).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each(Object.keys(EXPECTED))('%s', async (name) => {
    const file = join(SAMPLES, name);
    const rows = await parse([file]);
    expect(tally(rows)).toEqual(EXPECTED[name]);
    // Every line (or the one pretty-printed document) is accounted for, numbered from 1.
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
    const records = name.endsWith('.json') ? 1 : lines;
    expect([...new Set(rows.map((r) => r.record))].sort((a, b) => a! - b!)).toEqual([...Array(records).keys()].map((i) => i + 1));
    for (const r of rows) {
      if (r.drop_reason === null) expect(r.time && r.principal && r.permission && r.action).toBeTruthy();
      if (r.quarantine) expect(r.raw).not.toBeNull();
    }
  });

  test('hand-checked events', async () => {
    const rows = await parse(logFiles().map((f) => join(SAMPLES, f)));
    const at = (file: string, record: number, sub: number | null = null) =>
      rows.find((r) => r.file.endsWith(file) && r.record === record && r.sub === sub);
    const pick = (r: ParsedRecord | undefined) =>
      r && { time: r.time, principal: r.principal, permission: r.permission, action: r.action, drop_reason: r.drop_reason };
    // Identity Center session, Panther-style time (no zone = UTC).
    expect(pick(at('panther-aws-cloudtrail-tests.jsonl', 57))).toEqual({
      time: '2024-06-02T19:41:40.000Z', principal: 'nicholas.hakmiller', permission: '187901811700/DevAdmin',
      action: 'signin:ConsoleLogin', drop_reason: null,
    });
    // Redacted role suffix (AWSReservedSSO_ExampleRole_xxxxxxxxxxxxxxxx) still names the permission set.
    expect(at('panther-aws-cloudtrail-tests.jsonl', 168)?.permission).toBe('123456789012/ExampleRole');
    // Logstash-shipped: time from @timestamp.
    expect(pick(at('otrf-ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl', 1))).toEqual({
      time: '2020-09-14T00:44:23.000Z', principal: 'pedro', permission: '123456789123/iam_user',
      action: 'ec2:DescribeInstanceTypes', drop_reason: null,
    });
    // LookupEvents: the inner eventTime (UTC), not the outer local EventTime.
    expect(pick(at('plaso-aws_cloudtrail.jsonl', 2))).toEqual({
      time: '2022-02-07T22:23:18.000Z', principal: 'fakeusername', permission: '012345678901/iam_user',
      action: 'ec2:TerminateInstances', drop_reason: null,
    });
    expect(at('awsdocs-cloudtrail-log-file-examples.records.jsonl', 7, 2)?.drop_reason).toBe('insight');
    expect(at('panther-aws-cloudtrail-tests.jsonl', 32)?.drop_reason).toBe('lowercase_keys');
  });

  test('gzip and pretty-printed gzip read like the plain files', async () => {
    const plain = ['otrf-ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl', 'awsdocs-cloudtrail-log-file-example-multiline.json'];
    const zipped: string[] = [];
    for (const name of plain) {
      zipped.push(join(kit.dir, `${name}.gz`));
      await writeFile(zipped.at(-1)!, gzipSync(readFileSync(join(SAMPLES, name))));
    }
    const strip = (rows: ParsedRecord[]) => rows.map(({ file: _f, raw: _r, ...rest }) => rest);
    for (const [i, name] of plain.entries()) {
      expect(strip(await parse([zipped[i]!]))).toEqual(strip(await parse([join(SAMPLES, name)])));
    }
  });
});

describe('golden inputs', () => {
  const root = new URL('./cases/', import.meta.url).pathname;
  test('every quarantined record keeps its text, also inside a log file', async () => {
    const files = readdirSync(root).flatMap((c) =>
      readdirSync(join(root, c)).filter((f) => f.startsWith('input')).map((f) => join(root, c, f)));
    const rows = await parse(files);
    const quarantined = rows.filter((r) => r.quarantine && r.record !== null);
    expect(quarantined.filter((r) => r.sub !== null).length).toBeGreaterThan(3);
    for (const r of quarantined) expect(r.raw, JSON.stringify(r)).toBeTruthy();
  });
});

describe('the typed path', () => {
  const text = connectorKit(textOnly(awsCloudtrail), 'aws');
  const record = (i: number, identity: object) => ({
    eventTime: `2026-03-02T09:${String(i).padStart(2, '0')}:00Z`, eventSource: 's3.amazonaws.com', eventName: 'GetObject',
    eventID: `e-${i}`, readOnly: true, userIdentity: identity,
  });
  const sso = {
    type: 'AssumedRole', accountId: '123456789012',
    arn: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Dev_0123456789abcdef/ann@corp.example',
  };
  // An assumed role without its ARN or issuer: quarantined (missing_principal), so its text is needed.
  const noArn = { type: 'AssumedRole', accountId: '123456789012', principalId: 'AROAEXAMPLE' };
  const logFile = (records: object[]) => `${JSON.stringify({ Records: records })}\n`;

  async function files(): Promise<Record<string, string>> {
    const named: Record<string, string | Buffer> = {
      'clean-1.json': logFile([record(1, sso), record(2, sso)]),
      'clean-2.json.gz': gzipSync(logFile([record(3, sso), { ...record(4, sso), errorCode: 'AccessDenied' }])),
      'clean-3.json': `${logFile([record(5, sso)])}${logFile([record(6, { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' })])}`,
      'one-bad.json': logFile([record(7, sso), record(8, noArn)]),
      'records.jsonl': `${JSON.stringify(record(9, sso))}\n${JSON.stringify(record(10, noArn))}\n`,
    };
    const out: Record<string, string> = {};
    for (const [name, body] of Object.entries(named)) await writeFile((out[name] = join(kit.dir, `typed-${name}`)), body);
    return out;
  }

  test('takes log files whole, and hands a file with a record to quarantine, or records that are not log files, to the text path', async () => {
    const f = await files();
    const clean = [f['clean-1.json']!, f['clean-2.json.gz']!, f['clean-3.json']!];
    expect(await handedBack(kit.db, awsCloudtrail, { include_read_only: true }, clean)).toEqual([]);
    expect(await handedBack(kit.db, awsCloudtrail, { include_read_only: true }, [...clean, f['one-bad.json']!, f['records.jsonl']!])).toEqual([f['one-bad.json'], f['records.jsonl']].sort());
  });

  test('reads every file as the text path does, whatever the batch holds', async () => {
    const f = Object.values(await files());
    const cases = new URL('./cases/', import.meta.url).pathname;
    const golden = readdirSync(cases).flatMap((c) =>
      readdirSync(join(cases, c)).filter((n) => n.startsWith('input')).map((n) => join(cases, c, n)));
    const samples = logFiles().map((n) => join(SAMPLES, n));
    for (const batch of [f.slice(0, 3), f, [...f, ...golden], [...f, ...samples]]) {
      const rows = await parse(batch);
      expect(rows).toEqual(await text.parse(batch));
      expect(rows.some((r) => r.drop_reason === RETRY_AS_TEXT)).toBe(false);
    }
  });
});

describe('layouts', () => {
  test('lines, whole documents and unreadable files are told apart', async () => {
    const doc = JSON.stringify({ Records: [{ eventTime: '2026-03-02T09:00:00Z' }] }, null, 2);
    const files: Record<string, string | Buffer> = {
      'one-line.json.gz': gzipSync(`${JSON.stringify(JSON.parse(doc))}\n`),
      'pretty.json.gz': gzipSync(`${doc}\n${doc}\n`),
      'pretty-broken.json': `${doc.slice(0, -3)}\n`,
      'lines-bad-first.jsonl': '{"eventTime":\n{"eventTime":"2026-03-02T09:00:00Z"}\n',
      'bom.jsonl': `\uFEFF${JSON.stringify(JSON.parse(doc))}\n`,
      'not-gzip.json.gz': '{"Records":[]}\n',
      'cut-gzip-header.json.gz': Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x67, 0x61]),
      'empty.json': '',
    };
    for (const [name, text] of Object.entries(files)) await writeFile(join(kit.dir, name), text);
    const at = (names: string[]) => names.map((n) => join(kit.dir, n));
    expect(await layoutOf(kit.db, at(Object.keys(files)))).toEqual({
      lines: at(['one-line.json.gz', 'pretty-broken.json', 'lines-bad-first.jsonl', 'empty.json']),
      documents: at(['pretty.json.gz', 'bom.jsonl']),
      unreadable: at(['not-gzip.json.gz', 'cut-gzip-header.json.gz']),
    });
    // A broken pretty-printed document is read line by line: every line a counted malformed record.
    const broken = await parse(at(['pretty-broken.json']));
    expect(broken.length).toBe(files['pretty-broken.json']!.toString().split('\n').filter((l) => l.trim()).length);
    expect(new Set(broken.map((r) => r.drop_reason))).toEqual(new Set(['malformed_json']));
  });

  test('record fields never differ only in case (DuckDB STRUCT names are case-insensitive)', () => {
    for (const shape of [RECORD, DOCUMENT]) {
      const keys = Object.keys(shape).map((k) => k.toLowerCase());
      expect(new Set(keys).size).toBe(keys.length);
    }
  });
});

describe('grants: IAM Identity Center account assignments', () => {
  test('maps users, group members and bad records to grants', async () => {
    const file = join(kit.dir, 'assignments.jsonl');
    const ps = 'arn:aws:sso:::permissionSet/ssoins-6804a6f0b5e9c0d1/ps-2f4a9c1e7b3d5a68';
    const base = { AccountId: '123456789012', PermissionSetArn: ps, PermissionSetName: 'DataEngineer' };
    await writeFile(
      file,
      [
        JSON.stringify({ ...base, PrincipalType: 'USER', PrincipalId: 'u-1', UserName: 'Alice.Smith@Corp.Example' }),
        JSON.stringify({ ...base, PrincipalType: 'GROUP', PrincipalId: 'g-1', GroupName: 'data-eng', UserId: 'u-2', UserName: 'bob@corp.example' }),
        JSON.stringify([{ ...base, AccountId: '210987654321', PermissionSetName: 'ReadOnly', PrincipalType: 'USER', UserName: 'carol' }]),
        JSON.stringify({ ...base, PrincipalType: 'USER', UserName: 42 }),
        '{"AccountId": "123456789012",',
        '"not an object"',
      ].join('\n'),
    );
    const q = await awsCloudtrail.grants!.query({ system: 'aws', options: { include_read_only: true }, files: [file], db: kit.db });
    const rows = await kit.db.all<{ ord: number; bad: string | null; v: (string | null)[] | null }>(
      `SELECT ord, bad, v FROM (${q.sql}) ORDER BY ord`,
      q.params,
    );
    expect(rows.map(({ bad, v }) => ({ bad, v }))).toEqual([
      { bad: null, v: ['alice.smith@corp.example', '123456789012/DataEngineer', null, 'direct', null] },
      { bad: null, v: ['bob@corp.example', '123456789012/DataEngineer', null, 'group:data-eng', null] },
      { bad: null, v: ['carol', '210987654321/ReadOnly', null, 'direct', null] },
      // A number is not a user name: ingest/grants.sql quarantines it as missing_principal.
      { bad: null, v: [null, '123456789012/DataEngineer', null, 'direct', null] },
      { bad: 'malformed_json', v: null },
      { bad: 'not_an_object', v: null },
    ]);
  });
});
