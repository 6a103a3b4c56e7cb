import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore } from '../../core/store.js';
import { tempDir } from '../helpers.js';
import { s3Event, snsWrapped, startAwsServers, useTestCredentials, type AwsServers } from './servers.js';
import { logObjects, summarize, writeWorld, type LakeSummary } from './world.js';

/**
 * The CLI as operators run it (`node bin/lapse.js`, built by `npm test`), configured only through the
 * standard AWS environment (credentials, region, AWS_ENDPOINT_URL_S3/SQS) against the local servers.
 */
const BIN = new URL('../../bin/lapse.js', import.meta.url).pathname;
const DAY = '2026-06-30';
const N = 24;

let servers: AwsServers;
const objects = logObjects(N, 'cloudtrail/');
let bodies: string[] = [];
let reference: LakeSummary;

interface Proc {
  kill(): void;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
  /** Resolves when stderr has shown `line` `times` times. */
  seen(line: string, times: number): Promise<void>;
}

function lapse(args: string[], cwd: string, extraEnv: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, LAPSE_LOG_LEVEL: 'warn', ...servers.env, ...extraEnv },
  });
  let out = '';
  let err = '';
  const waiters: { line: string; times: number; resolve: () => void }[] = [];
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of [...waiters]) {
      if (err.split(w.line).length - 1 >= w.times) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  return {
    kill: () => child.kill('SIGKILL'),
    done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err }))),
    seen: (line, times) => new Promise((resolve) => waiters.push({ line, times, resolve })),
  };
}

async function world(queue: string, lake: string, extra = ''): Promise<string> {
  const dir = await tempDir('lapse-scale-');
  await writeWorld(dir, {
    store: `s3://scale-lake/${lake}`,
    logs: `[{ sqs: "${queue}", wait_time_secs: 1, visibility_timeout_secs: 5, batch_messages: 4${extra} }]`,
    aws: '{ region: us-east-1 }',
  });
  return dir;
}

const lakeSummary = (name: string) => summarize(openStore(`s3://scale-lake/${name}`, { aws: servers.aws }));

beforeAll(async () => {
  servers = await startAwsServers();
  useTestCredentials(servers);
  await servers.createBucket('scale-logs');
  await servers.createBucket('scale-lake');
  for (const o of objects) {
    const etag = await servers.put('scale-logs', o.key, o.body);
    const event = s3Event('scale-logs', o.key, o.body.length, etag);
    // At-least-once delivery: every object announced twice, some also through SNS.
    bodies.push(JSON.stringify(event), JSON.stringify(event));
    if (bodies.length % 3 === 0) bodies.push(JSON.stringify(snsWrapped(event)));
  }
  bodies = bodies.sort((a, b) => createHash('md5').update(a).digest('hex').localeCompare(createHash('md5').update(b).digest('hex')));
  const queue = await servers.createQueue('one-worker');
  await servers.send(queue, bodies);
  const dir = await world(queue, 'one');
  const r = await lapse(['ingest', '--config', 'lapse.yaml', '--as-of', DAY], dir).done;
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  reference = await lakeSummary('one');
  expect(reference.objects).toHaveLength(N);
}, 60_000);
afterAll(() => servers?.close());

describe('scale-out on one queue', () => {
  test('three concurrent workers write exactly the summaries one worker writes', async () => {
    const queue = await servers.createQueue('three-workers');
    await servers.send(queue, bodies);
    const dir = await world(queue, 'three');
    const runs = await Promise.all([0, 1, 2].map(() => lapse(['ingest', '--config', 'lapse.yaml', '--as-of', DAY], dir).done));
    for (const r of runs) {
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
    }
    expect(await servers.depth(queue)).toEqual({ visible: 0, inFlight: 0 });
    expect(await lakeSummary('three')).toEqual(reference);
  }, 60_000);

  test('a worker killed mid-batch, then run again, leaves the same lake', async () => {
    const queue = await servers.createQueue('killed');
    await servers.send(queue, bodies);
    const dir = await world(queue, 'killed');
    const worker = lapse(['ingest', '--config', 'lapse.yaml', '--as-of', DAY], dir, { LAPSE_LOG_LEVEL: 'debug' });
    // Killed as its third batch arrives: two batches committed, messages in flight, nothing deleted for the third.
    await worker.seen('sqs batch received', 3);
    worker.kill();
    const killed = await worker.done;
    expect(killed.signal).toBe('SIGKILL');
    const partial = await lakeSummary('killed');
    expect(partial.objects.length).toBeLessThan(N);
    // The messages it held reappear after their visibility timeout; a new run finishes the queue.
    for (let i = 0; i < 5 && (await servers.depth(queue)).visible + (await servers.depth(queue)).inFlight > 0; i++) {
      if ((await servers.depth(queue)).inFlight > 0) await new Promise((r) => setTimeout(r, 2000));
      const again = await lapse(['ingest', '--config', 'lapse.yaml', '--as-of', DAY], dir).done;
      expect(again.code).toBe(0);
    }
    expect(await servers.depth(queue)).toEqual({ visible: 0, inFlight: 0 });
    expect(await lakeSummary('killed')).toEqual(reference);
  }, 60_000);
});

describe('the daily job on an S3 lake', () => {
  test('run writes revocation lists to S3 with their checksum and tells the revoker queue; the revoker acks them there', async () => {
    const logs = await servers.createQueue('daily-logs');
    await servers.send(logs, bodies);
    const revoker = await servers.createQueue('app-revoker');
    const dir = await tempDir('lapse-daily-');
    await writeWorld(dir, {
      store: 's3://scale-lake/daily',
      logs: `[{ sqs: "${logs}", wait_time_secs: 1 }]`,
      aws: '{ region: us-east-1, sse: { type: AES256 } }',
      mode: 'enforce',
      actions: ['{ type: revocation_list }'],
      revocations: `{ target: "s3://scale-lake/revocations", sse: { type: "aws:kms", kms_key_id: alias/lapse }, notify: { sqs: { app: "${revoker}" } } }`,
    });
    const r = await lapse(['run', '--config', 'lapse.yaml', '--as-of', DAY], dir).done;
    expect(r.err).toBe('');
    expect(r.out).toMatch(/revoker notified/);
    expect(r.code, r.out).toBe(0);
    const target = openStore('s3://scale-lake/revocations', { aws: servers.aws });
    const latest = JSON.parse((await target.readText('app/latest.json'))!);
    const manifest = JSON.parse((await target.readText(latest.manifest))!);
    const list = (await target.readText(latest.manifest.replace('manifest.json', manifest.file)))!;
    expect(createHash('sha256').update(list).digest('hex')).toBe(manifest.sha256);
    expect(list.trim().split('\n')).toHaveLength(manifest.count);
    expect(manifest.count).toBeGreaterThan(0);
    // The revoker's message names the manifest latest.json points to.
    const got = await servers.sqs.send(new ReceiveMessageCommand({ QueueUrl: revoker, WaitTimeSeconds: 1 }));
    const message = JSON.parse(got.Messages![0]!.Body!);
    expect(message).toMatchObject({ type: 'revocation_list', system: 'app', manifest: `s3://scale-lake/revocations/${latest.manifest}`, sha256: manifest.sha256 });
    // Lists went out with the action's KMS key; the lake's objects with the lake's SSE-S3.
    const puts = servers.s3Requests.filter((q) => q.method === 'PUT');
    expect(puts.find((q) => q.path.endsWith('/app/latest.json'))!.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(puts.find((q) => q.path.startsWith('/scale-lake/daily/objects/'))!.headers['x-amz-server-side-encryption']).toBe('AES256');
    // The same summaries as the ingest-only worker: the S3 lake did ingest, compaction and detect.
    expect(await lakeSummary('daily')).toEqual(reference);
    const again = await lapse(['run', '--config', 'lapse.yaml', '--as-of', DAY], dir).done;
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/unchanged/);
    // The revoker reads the same list from S3 and acks it there; a second pass finds nothing to do.
    const revoked = await lapse(['revoker', '--config', 'lapse.yaml', '--system', 'app', '--exec', 'true'], dir).done;
    expect(revoked.code, revoked.out + revoked.err).toBe(0);
    const acks = (await target.readText(latest.manifest.replace('manifest.json', 'ack.jsonl')))!.trim().split('\n').map((l) => JSON.parse(l));
    expect(acks.map((a) => a.status)).toEqual(Array(manifest.count).fill('applied'));
    const twice = await lapse(['revoker', '--config', 'lapse.yaml', '--system', 'app', '--exec', 'false'], dir).done;
    expect(twice.code).toBe(0);
    expect(twice.out).toMatch(/already acknowledged/);
  }, 90_000);
});
