import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { doctorCommand } from '../../cli/doctor.js';
import { silentLogger } from '../../core/log.js';
import { tempDir } from '../helpers.js';
import { startAwsServers, useTestCredentials, type AwsServers } from './servers.js';
import { writeWorld } from './world.js';

let servers: AwsServers;
let goodQueue: string;
let revoker: string;

beforeAll(async () => {
  servers = await startAwsServers();
  useTestCredentials(servers);
  for (const b of ['doctor-logs', 'doctor-lake']) await servers.createBucket(b);
  await servers.put('doctor-logs', 'logs/a.jsonl', '{}\n');
  await servers.createQueue('doctor-dlq');
  goodQueue = await servers.createQueue('doctor-logs', {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:doctor-dlq', maxReceiveCount: 5 }),
  });
  revoker = await servers.createQueue('doctor-revoker');
});
afterAll(() => servers?.close());

async function doctor(logs: string, store = 's3://doctor-lake/lake'): Promise<{ code: number; out: string }> {
  const dir = await tempDir('lapse-doctor-');
  await writeWorld(dir, {
    store,
    logs,
    aws: `{ region: us-east-1, endpoints: { s3: "${servers.s3Endpoint}", sqs: "${servers.sqsEndpoint}" }, max_attempts: 1 }`,
    actions: ['{ type: revocation_list }'],
    revocations: `{ target: "s3://doctor-lake/revocations", notify: { sqs: { app: "${revoker}" } } }`,
  });
  let out = '';
  const code = await doctorCommand({ out: (t) => (out += t), log: silentLogger() }, { config: join(dir, 'lapse.yaml') });
  return { code, out };
}

describe('lapse doctor', () => {
  test('a good setup: every check passes and nothing is left behind or consumed', async () => {
    await servers.send(goodQueue, ['{"waiting":true}']);
    const r = await doctor(`[{ s3: "s3://doctor-logs/logs/" }, { sqs: "${goodQueue}" }]`);
    expect(r.out).toMatch(/^ok {4}lake: s3:\/\/doctor-lake\/lake: list, write, read, delete$/m);
    expect(r.out).toMatch(/^ok {4}app logs: s3:\/\/doctor-logs\/logs\/: list, read$/m);
    expect(r.out).toMatch(/^ok {4}app logs: http:\S+doctor-logs: attributes, receive, delete; sqs:ReceiveMessage not probed/m);
    expect(r.out).toMatch(/^ok {4}app revoker queue: \S+doctor-revoker: exists/m);
    expect(r.out).toMatch(/^ok {4}revocation lists: s3:\/\/doctor-lake\/revocations: list, write, read, delete$/m);
    expect(r.out).toMatch(/no problems/);
    expect(r.code).toBe(0);
    expect((await servers.depth(goodQueue)).visible).toBe(1);
    const left = servers.s3Requests.filter((q) => q.path.includes('_doctor/'));
    expect(left.some((q) => q.method === 'DELETE')).toBe(true);
    const local = await doctor(`[{ s3: "s3://doctor-logs/logs/" }]`, './lake');
    expect(local.out).toMatch(/^ok {4}lake: \S+\/lake writable$/m);
    expect(local.code).toBe(0);
  });

  test('a broken setup: says which permission is missing on which resource, and what does not exist', async () => {
    servers.deny.push({ s3: { method: 'PUT', path: '/doctor-lake/lake/' } }, { sqs: 'ReceiveMessage' });
    try {
      const missing = goodQueue.replace('doctor-logs', 'no-such-queue');
      const empty = await servers.createQueue('doctor-empty');
      const r = await doctor(`[{ s3: "s3://no-such-bucket/logs/" }, { sqs: "${missing}" }, { sqs: "${empty}" }]`);
      expect(r.out).toMatch(/^FAIL {2}lake: s3:\/\/doctor-lake\/lake: access denied: missing s3:PutObject on arn:aws:s3:::doctor-lake\/lake\/\*/m);
      expect(r.out).toMatch(/^FAIL {2}app logs: s3:\/\/no-such-bucket\/logs\/: the bucket does not exist/m);
      expect(r.out).toMatch(/^FAIL {2}app logs: \S+no-such-queue: the queue does not exist/m);
      expect(r.out).toMatch(/^FAIL {2}app logs: \S+doctor-empty: access denied: missing sqs:ReceiveMessage on arn:aws:sqs:us-east-1:123456789012:doctor-empty/m);
      expect(r.out).toMatch(/4 problems/);
      expect(r.code).toBe(1);
    } finally {
      servers.deny.length = 0;
    }
  });

  test('an invalid config is reported with exit code 2', async () => {
    const dir = await tempDir('lapse-doctor-');
    await writeFile(join(dir, 'lapse.yaml'), 'store: ./lake\nsystems: { app: { connector: jsonl, logs: [{ path: x, sqs: "https://q" }], grants: { path: g } } }\n');
    let out = '';
    const code = await doctorCommand({ out: (t) => (out += t), log: silentLogger() }, { config: join(dir, 'lapse.yaml') });
    expect(code).toBe(2);
    expect(out).toMatch(/systems\.app\.logs\[0\]: a log source has exactly one of path, s3, sqs, okta, github \(found path, sqs\)/);
  });
});
