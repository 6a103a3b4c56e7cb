import { join } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readConfig } from '../../cli/config.js';
import type { StageContext } from '../../core/context.js';
import { Db } from '../../core/db.js';
import { silentLogger } from '../../core/log.js';
import { openStore, type Lake } from '../../core/store.js';
import { SETUP_SQL } from '../../connectors/index.js';
import { ingest } from '../../ingest/index.js';
import { Heartbeat } from '../../ingest/sources/heartbeat.js';
import { tempDir } from '../helpers.js';
import { eventBridgeEvent, s3Event, snsWrapped, startAwsServers, useTestCredentials, type AwsServers } from './servers.js';
import { logObjects, summarize, writeWorld } from './world.js';

let servers: AwsServers;
const DAY = '2026-06-30';
const objects = logObjects(6);
const etags = new Map<string, string>();

beforeAll(async () => {
  servers = await startAwsServers();
  useTestCredentials(servers);
  await servers.createBucket('logs-bucket');
  for (const o of objects) etags.set(o.key, await servers.put('logs-bucket', o.key, o.body));
});
afterAll(() => servers?.close());

const awsYaml = () => `{ region: us-east-1, endpoints: { s3: "${servers.s3Endpoint}", sqs: "${servers.sqsEndpoint}" }, max_attempts: 2 }`;

async function context(dir: string): Promise<StageContext & { close(): Promise<void> }> {
  const config = await readConfig(join(dir, 'lapse.yaml'));
  const lake = openStore(config.store.startsWith('s3://') ? config.store : join(dir, config.store), { aws: config.aws });
  const db = await Db.open({ threads: 2 });
  await db.run(SETUP_SQL);
  return { config, lake, db, log: silentLogger(), close: async () => (db.close(), await lake.cleanup()) };
}

async function run(dir: string) {
  const ctx = await context(dir);
  try {
    return (await ingest(ctx, DAY)).logs[0]!;
  } finally {
    await ctx.close();
  }
}

async function lakeOf(dir: string): Promise<Lake> {
  const config = await readConfig(join(dir, 'lapse.yaml'));
  return openStore(config.store.startsWith('s3://') ? config.store : join(dir, config.store), { aws: config.aws });
}

const gets = () => servers.s3Requests.filter((r) => r.method === 'GET' && r.path.startsWith('/logs-bucket/logs/')).length;
const notify = (key: string) => {
  const o = objects.find((x) => x.key === key)!;
  return s3Event('logs-bucket', key, o.body.length, etags.get(key)!);
};

/** The reference: the same objects ingested from a local directory would give these summaries. */
let reference: Awaited<ReturnType<typeof summarize>>;

describe('s3 prefix source', () => {
  test('ingests every object once; a re-run skips them without downloading; a new object is picked up', async () => {
    const dir = await tempDir('lapse-s3src-');
    await writeWorld(dir, { store: './lake', logs: '[{ s3: "s3://logs-bucket/logs/" }]', aws: awsYaml() });
    const first = await run(dir);
    expect(first).toMatchObject({ files: 6, already_ingested: 0 });
    expect(first.uses).toBeGreaterThan(80);
    reference = await summarize(await lakeOf(dir));
    expect(reference.objects).toHaveLength(6);
    expect(reference.objects.every((id) => /^etag:[0-9a-f]{32}:\d+$/.test(id))).toBe(true);

    const before = gets();
    const again = await run(dir);
    expect(again).toMatchObject({ files: 6, already_ingested: 6, records: 0 });
    expect(gets()).toBe(before);
    expect(await summarize(await lakeOf(dir))).toEqual(reference);

    await servers.put('logs-bucket', 'logs/late/extra.jsonl', '{"ts":"2026-06-29T10:00:00Z","user":"eve@corp.example","perm":"db/3","result":"ok"}\n');
    const third = await run(dir);
    expect(third).toMatchObject({ files: 7, already_ingested: 6, uses: 1 });
    expect(gets()).toBe(before + 1);
    // The ledger names objects by their S3 URI.
    const lake = await lakeOf(dir);
    const db = await Db.open();
    const uris = await db.all<{ uri: string }>('SELECT uri FROM read_parquet($f) ORDER BY 1', {
      f: await lake.localPaths((await lake.list('objects/')).map((o) => o.key)),
    });
    db.close();
    expect(uris.map((u) => u.uri)).toContain('s3://logs-bucket/logs/2026/06/part 1+x.jsonl');
    await servers.s3.send(new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({ Bucket: 'logs-bucket', Key: 'logs/late/extra.jsonl' }));
  });

  test('a prefix that cannot be listed fails the run naming it', async () => {
    const dir = await tempDir('lapse-s3src-');
    await writeWorld(dir, { store: './lake', logs: '[{ s3: "s3://no-such-bucket/logs/" }]', aws: awsYaml() });
    await expect(run(dir)).rejects.toThrow(/s3:\/\/no-such-bucket\/logs\/: cannot list: NoSuchBucket/);
  });
});

describe('sqs source', () => {
  test('direct, SNS-wrapped and EventBridge notifications all ingest; test events and deletions are acknowledged', async () => {
    const queue = await servers.createQueue('shapes');
    const [a, b, c, d, e, f] = objects.map((o) => o.key);
    const ebObject = objects[2]!;
    await servers.send(queue, [
      JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-06-30T10:00:00Z', Bucket: 'logs-bucket' }),
      JSON.stringify(notify(a!)),
      JSON.stringify(snsWrapped(notify(b!))),
      JSON.stringify(eventBridgeEvent('logs-bucket', c!, ebObject.body.length, etags.get(c!)!)),
      JSON.stringify(notify(d!)),
      JSON.stringify(snsWrapped(notify(e!))),
      JSON.stringify(eventBridgeEvent('logs-bucket', f!, objects[5]!.body.length, etags.get(f!)!)),
      JSON.stringify(s3Event('logs-bucket', a!, 0, 'x', 'ObjectRemoved:Delete')),
    ]);
    const dir = await tempDir('lapse-sqs-');
    await writeWorld(dir, {
      store: 's3://lake-shapes/lake',
      logs: `[{ sqs: "${queue}", wait_time_secs: 1, visibility_timeout_secs: 10 }]`,
      aws: awsYaml(),
    });
    await servers.createBucket('lake-shapes');
    const report = await run(dir);
    expect(report).toMatchObject({ files: 6, already_ingested: 0 });
    expect(await summarize(await lakeOf(dir))).toEqual(reference);
    expect(await servers.depth(queue)).toEqual({ visible: 0, inFlight: 0 });
  });

  test('redelivered and duplicate notifications give the same summaries, and known objects are not downloaded', async () => {
    const queue = await servers.createQueue('dups');
    const bodies = objects.flatMap((o, i) => {
      const direct = JSON.stringify(notify(o.key));
      // Each object announced twice, and some a third time through another route.
      return i % 2 ? [direct, direct, JSON.stringify(snsWrapped(notify(o.key)))] : [direct, direct];
    });
    await servers.send(queue, bodies);
    const dir = await tempDir('lapse-sqs-');
    await servers.createBucket('lake-dups');
    await writeWorld(dir, { store: 's3://lake-dups/lake', logs: `[{ sqs: "${queue}", wait_time_secs: 1, batch_messages: 4 }]`, aws: awsYaml() });
    await run(dir);
    expect(await summarize(await lakeOf(dir))).toEqual(reference);
    // The same notifications again (a redelivery after a crash before the delete): skipped from the ledger by ETag and size.
    await servers.send(queue, bodies);
    const before = gets();
    const again = await run(dir);
    expect(again).toMatchObject({ files: bodies.length, already_ingested: bodies.length, records: 0 });
    expect(gets()).toBe(before);
    expect(await summarize(await lakeOf(dir))).toEqual(reference);
    expect(await servers.depth(queue)).toEqual({ visible: 0, inFlight: 0 });
  });

  test('a poison object is quarantined with its receive count, left for the redrive policy, and the rest ingested', async () => {
    const dlq = await servers.createQueue('poison-dlq');
    const queue = await servers.createQueue('poison', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:poison-dlq', maxReceiveCount: 2 }),
    });
    await servers.send(queue, [
      JSON.stringify(notify(objects[0]!.key)),
      JSON.stringify(s3Event('logs-bucket', 'logs/missing object.jsonl', 10, 'abc')),
      'this is not a notification',
      JSON.stringify(notify(objects[1]!.key)),
    ]);
    const dir = await tempDir('lapse-sqs-');
    await writeWorld(dir, { store: './lake', logs: `[{ sqs: "${queue}", wait_time_secs: 1, visibility_timeout_secs: 2 }]`, aws: awsYaml() });
    await run(dir);
    const lake = await lakeOf(dir);
    expect((await summarize(lake)).objects).toHaveLength(2);
    let quarantine = await Promise.all((await lake.list('quarantine/')).map(async (o) => JSON.parse((await lake.readText(o.key))!.trim())));
    // Under load the message can come back within the first run too, so look at its first receive.
    const poison = () => quarantine.filter((q) => q.reason === 'download_failed').sort((a, b) => a.receive_count - b.receive_count);
    expect(poison()[0]).toMatchObject({ object: 's3://logs-bucket/logs/missing object.jsonl', queue, system: 'app', receive_count: 1 });
    expect(poison()[0].detail).toMatch(/NoSuchKey/);
    expect(quarantine.find((q) => q.reason === 'bad_notification')).toMatchObject({ raw: 'this is not a notification' });
    // The poison message stays on the queue and comes back after its visibility timeout; each receive is
    // recorded, until maxReceiveCount (2) is reached and the redrive policy moves it to the dead-letter queue.
    for (let i = 0; i < 4 && (await servers.depth(queue)).visible + (await servers.depth(queue)).inFlight > 0; i++) {
      await new Promise((r) => setTimeout(r, 2100));
      await run(dir);
    }
    quarantine = await Promise.all((await lake.list('quarantine/')).map(async (o) => JSON.parse((await lake.readText(o.key))!.trim())));
    expect(poison().map((q) => q.receive_count).sort()).toEqual([1, 2]);
    expect(await servers.depth(queue)).toEqual({ visible: 0, inFlight: 0 });
    expect((await servers.depth(dlq)).visible).toBe(1);
    expect((await summarize(lake)).objects).toHaveLength(2);
  }, 30_000);

  test('max_messages bounds a run; the rest waits for the next', async () => {
    const queue = await servers.createQueue('bounded');
    await servers.send(queue, objects.map((o) => JSON.stringify(notify(o.key))));
    const dir = await tempDir('lapse-sqs-');
    await writeWorld(dir, { store: './lake', logs: `[{ sqs: "${queue}", wait_time_secs: 1, max_messages: 4 }]`, aws: awsYaml() });
    expect(await run(dir)).toMatchObject({ files: 4 });
    expect((await servers.depth(queue)).visible).toBe(2);
    expect(await run(dir)).toMatchObject({ files: 2 });
    expect(await summarize(await lakeOf(dir))).toEqual(reference);
  });

  test('the heartbeat keeps held messages invisible past their timeout, and stops when released', async () => {
    const queue = await servers.createQueue('heartbeat');
    await servers.send(queue, ['{"hold":1}']);
    const receive = (vis: number) =>
      servers.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: 1, WaitTimeSeconds: 0, VisibilityTimeout: vis }));
    const [m] = (await receive(1)).Messages!;
    const beat = new Heartbeat(servers.sqs, queue, 1, silentLogger());
    beat.hold(m!.MessageId!, m!.ReceiptHandle!);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await receive(1)).Messages ?? []).toHaveLength(0);
    expect(beat.beats).toBeGreaterThanOrEqual(3);
    await beat.stop();
    await new Promise((r) => setTimeout(r, 1500));
    expect((await receive(30)).Messages ?? []).toHaveLength(1);
  }, 15_000);
});
