import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { random } from './random.js';

/**
 * Generates CloudTrail log files as delivered to S3: gzip JSON `{"Records":[…]}`, one file per
 * account, region and 5-minute interval, with realistic records (IAM Identity Center sessions,
 * assumed roles, IAM users, AWS services, denied calls). Deterministic for a given size.
 */

const ACCOUNTS = ['123456789012', '210987654321', '345678901234'];
const REGIONS = ['us-east-1', 'eu-west-1'];
const PERMISSION_SETS = ['ReadOnly', 'Developer', 'DataEngineer', 'PowerUser', 'BillingQuarterlyClose'];
const CALLS: [string, string, boolean][] = [
  ['s3.amazonaws.com', 'GetObject', true], ['s3.amazonaws.com', 'PutObject', false], ['s3.amazonaws.com', 'ListBuckets', true],
  ['ec2.amazonaws.com', 'DescribeInstances', true], ['ec2.amazonaws.com', 'StartInstances', false],
  ['iam.amazonaws.com', 'GetRole', true], ['sts.amazonaws.com', 'GetCallerIdentity', true],
  ['lambda.amazonaws.com', 'Invoke', false], ['dynamodb.amazonaws.com', 'Query', true],
  ['kms.amazonaws.com', 'Decrypt', true], ['logs.amazonaws.com', 'FilterLogEvents', true],
  ['secretsmanager.amazonaws.com', 'GetSecretValue', true], ['cloudformation.amazonaws.com', 'DescribeStacks', true],
];

const hex = (r: () => number, n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
const uuid = (r: () => number) => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;

function record(r: () => number, time: Date, account: string, region: string, people: number): object {
  const [source, name, readOnly] = CALLS[Math.floor(r() * CALLS.length)]!;
  const roll = r();
  const person = `user${Math.floor(r() * people)}@corp.example`;
  let userIdentity: object;
  if (roll < 0.8) {
    const ps = PERMISSION_SETS[Math.floor(r() * PERMISSION_SETS.length)]!;
    const role = `AWSReservedSSO_${ps}_${createHash('md5').update(ps + account).digest('hex').slice(0, 16)}`;
    userIdentity = {
      type: 'AssumedRole', principalId: `AROA${hex(r, 17).toUpperCase()}:${person}`,
      arn: `arn:aws:sts::${account}:assumed-role/${role}/${person}`, accountId: account, accessKeyId: `ASIA${hex(r, 16).toUpperCase()}`,
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: `AROA${hex(r, 17).toUpperCase()}`, arn: `arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/${role}`, accountId: account, userName: role },
        attributes: { creationDate: new Date(time.getTime() - 3_600_000).toISOString().replace('.000', ''), mfaAuthenticated: 'false' },
      },
    };
  } else if (roll < 0.9) {
    const user = `svc-user-${Math.floor(r() * 20)}`;
    userIdentity = { type: 'IAMUser', principalId: `AIDA${hex(r, 17).toUpperCase()}`, arn: `arn:aws:iam::${account}:user/${user}`, accountId: account, accessKeyId: `AKIA${hex(r, 16).toUpperCase()}`, userName: user };
  } else {
    userIdentity = { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' };
  }
  const rec: Record<string, unknown> = {
    eventVersion: '1.09', userIdentity, eventTime: time.toISOString().replace('.000', ''), eventSource: source, eventName: name,
    awsRegion: region, sourceIPAddress: `10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`,
    userAgent: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64.amzn.2023', requestParameters: { bucketName: `corp-data-${Math.floor(r() * 40)}`, key: `reports/${hex(r, 12)}.parquet` },
    responseElements: null, requestID: hex(r, 16).toUpperCase(), eventID: uuid(r), readOnly, eventType: 'AwsApiCall',
    managementEvent: !source.startsWith('s3'), recipientAccountId: account, eventCategory: source.startsWith('s3') ? 'Data' : 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: source.replace('.amazonaws.com', `.${region}.amazonaws.com`) },
  };
  if (r() < 0.03) Object.assign(rec, { errorCode: 'AccessDenied', errorMessage: `User is not authorized to perform: ${source.split('.')[0]}:${name}` });
  return rec;
}

/** Writes `events` records in files of ~`perFile`; returns the directory. Reuses an existing one. */
export async function generateCloudTrail(root: string, events: number, perFile = 5000): Promise<{ dir: string; files: number }> {
  const dir = join(root, `cloudtrail-${events}`);
  const existing = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  const have = existing.filter((f) => String(f).endsWith('.json.gz')).length;
  const files = Math.ceil(events / perFile);
  if (have === files) return { dir, files };
  const r = random(42);
  const people = Math.max(50, Math.floor(events / 2000));
  const start = Date.parse('2026-01-01T00:00:00Z');
  const span = 90 * 86_400_000;
  for (let i = 0; i < files; i++) {
    const account = ACCOUNTS[i % ACCOUNTS.length]!;
    const region = REGIONS[Math.floor(i / ACCOUNTS.length) % REGIONS.length]!;
    const t0 = start + Math.floor((i / files) * span);
    const n = Math.min(perFile, events - i * perFile);
    const records = Array.from({ length: n }, (_, k) => record(r, new Date(t0 + Math.floor((k / n) * 300_000)), account, region, people));
    const stamp = new Date(t0).toISOString().replace(/[-:]/g, '').slice(0, 13);
    const day = new Date(t0).toISOString().slice(0, 10).replaceAll('-', '/');
    const path = join(dir, 'AWSLogs', account, 'CloudTrail', region, day, `${account}_CloudTrail_${region}_${stamp}Z_${hex(r, 16)}.json.gz`);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, gzipSync(JSON.stringify({ Records: records })));
  }
  return { dir, files };
}
