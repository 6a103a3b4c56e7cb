import { rm } from 'node:fs/promises';
import type { Message, QueueAttributeName, SQSClient } from '@aws-sdk/client-sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import { awsMessage, s3Client, s3Uri, sqsClient, sqsSdk } from '../../core/aws.js';
import type { LogSource as LogConfig } from '../../core/config.js';
import type { StageContext } from '../../core/context.js';
import { SourceError, StoreError, messageOf } from '../../core/errors.js';
import { shortId } from '../../core/hash.js';
import { layout } from '../../core/layout.js';
import type { Known } from '../ledger.js';
import { Heartbeat } from './heartbeat.js';
import { BadNotification, parseNotification, s3ObjectId, type ObjectRef } from './notifications.js';
import { settleLimit } from '../../core/limit.js';
import { download, type FetchedObject } from './s3.js';
import { bounded, PARALLEL_DOWNLOADS, type Batch, type LogSource, type SourceCounts } from './source.js';

/**
 * An `sqs:` source: a queue carrying S3 event notifications. Delivery is at least once, so the design
 * leans on the ledger: an object is ingested, its ledger row written (the commit point), and only then
 * are the messages that named it deleted (the batch's ack). A crash anywhere before the delete leaves the messages to
 * reappear; the redelivered objects are then found in the ledger and skipped, and any rows a crashed
 * batch left behind are invisible (not in the ledger) or duplicates that readers collapse.
 *
 * A poison message (its object cannot be downloaded, or ingesting it throws) is recorded in the
 * quarantine with its receive count and left on the queue: it reappears after the visibility timeout,
 * and the queue's redrive policy (maxReceiveCount) moves it to the dead-letter queue.
 */

export const SQS_DEFAULTS = { wait_time_secs: 20, visibility_timeout_secs: 60, batch_messages: 100 } as const;

type SqsConfig = LogConfig & { sqs: string };

interface Settings {
  queue: string;
  wait: number;
  visibility: number;
  batch: number;
  maxMessages: number;
  deadline: number;
}

export interface SqsReport extends SourceCounts {
  messages: number;
  deleted: number;
  ignored: number;
  poison: number;
  bad: number;
}

/** One received message and what it asks for. */
interface Work {
  message: Message;
  id: string;
  receiveCount: number;
  refs: ObjectRef[];
  /** Set when the message cannot be completed this time: it is left on the queue. */
  failed?: { uri: string | null; reason: 'download_failed' | 'ingest_failed'; detail: string };
  /** Why the message is not a notification lapse understands: quarantined and deleted. */
  bad?: string;
}

export class SqsSource implements LogSource {
  private readonly report: SqsReport = { files: 0, already_ingested: 0, messages: 0, deleted: 0, ignored: 0, poison: 0, bad: 0 };
  constructor(
    private readonly ctx: StageContext,
    private readonly system: string,
    private readonly source: SqsConfig,
  ) {}

  get counts(): SourceCounts {
    return this.report;
  }

  /**
   * Receives a batch of messages at a time until the queue is empty (or a bound is reached) and yields
   * their objects in bounded batches; a batch's ack deletes its messages. Once a round's batches are
   * done, its poison messages are quarantined and left on the queue, and the messages with nothing to
   * commit (ignored, bad, or naming only known objects) are deleted.
   */
  async *batches(known: Known): AsyncGenerator<Batch> {
    const { ctx, system, source, report } = this;
    const log = ctx.log.child({ stage: 'ingest', system, queue: source.sqs });
    const sqs = await sqsClient(ctx.config.aws, source.sqs, ctx.log);
    const s3 = await s3Client(ctx.config.aws, ctx.log);
    const started = Date.now();
    const settings: Settings = {
      queue: source.sqs,
      wait: source.wait_time_secs ?? SQS_DEFAULTS.wait_time_secs,
      visibility: source.visibility_timeout_secs ?? SQS_DEFAULTS.visibility_timeout_secs,
      batch: source.batch_messages ?? SQS_DEFAULTS.batch_messages,
      maxMessages: source.max_messages ?? Number.POSITIVE_INFINITY,
      deadline: source.max_seconds ? started + source.max_seconds * 1000 : Number.POSITIVE_INFINITY,
    };
    const poisonSeen = new Set<string>();
    for (;;) {
      const heartbeat = new Heartbeat(sqs, settings.queue, settings.visibility, log);
      let dir: string | undefined;
      try {
        const messages = await receiveBatch(sqs, settings, report.messages, heartbeat);
        if (messages.length === 0) break;
        dir = await ctx.lake.scratch();
        report.messages += messages.length;
        log.debug({ messages: messages.length }, 'sqs batch received');
        const repeats = messages.every((m) => poisonSeen.has(m.MessageId ?? ''));
        const work = messages.map((m) => parse(m, report));
        const env: Env = { s3, sqs, settings, known, heartbeat, report };
        yield* roundBatches(ctx, system, env, work, dir);
        for (const w of work) if (w.failed) poisonSeen.add(w.id);
        // Only poison messages already seen in this run came back: the queue has nothing new for us.
        if (repeats) break;
      } finally {
        await heartbeat.stop();
        if (dir) await rm(dir, { recursive: true, force: true });
      }
    }
    log.info({ ...report, ms: Date.now() - started }, 'sqs source drained');
  }
}

/**
 * Receives up to `batch` messages: one long poll (the run ends when it finds nothing), then short polls
 * while full pages keep coming. Every message is held by the heartbeat from the moment it arrives.
 */
async function receiveBatch(sqs: SQSClient, s: Settings, receivedBefore: number, heartbeat: Heartbeat): Promise<Message[]> {
  const { ReceiveMessageCommand } = await sqsSdk();
  const byId = new Map<string, Message>();
  for (;;) {
    const left = Math.min(s.batch - byId.size, s.maxMessages - receivedBefore - byId.size);
    const secondsLeft = Math.floor((s.deadline - Date.now()) / 1000);
    if (left <= 0 || secondsLeft < 0) break;
    const want = Math.min(10, left);
    let res;
    try {
      res = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: s.queue,
          MaxNumberOfMessages: want,
          WaitTimeSeconds: byId.size === 0 ? Math.min(s.wait, secondsLeft) : 0,
          VisibilityTimeout: s.visibility,
          // Both spellings: AttributeNames is the older one some servers still expect.
          AttributeNames: ['ApproximateReceiveCount' as QueueAttributeName],
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
    } catch (err) {
      throw new SourceError(`${s.queue}: cannot receive: ${awsMessage(err)}`, { cause: err });
    }
    const got = res.Messages ?? [];
    for (const m of got) {
      if (!m.MessageId || !m.ReceiptHandle) continue;
      byId.set(m.MessageId, m);
      heartbeat.hold(m.MessageId, m.ReceiptHandle);
    }
    if (got.length < want) break;
  }
  return [...byId.values()];
}

function parse(message: Message, report: SqsReport): Work {
  const id = message.MessageId!;
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
  try {
    const n = parseNotification(message.Body ?? '');
    if (n.kind === 'ignore') {
      report.ignored += 1;
      return { message, id, receiveCount, refs: [] };
    }
    report.files += n.objects.length;
    return { message, id, receiveCount, refs: n.objects };
  } catch (err) {
    if (!(err instanceof BadNotification)) throw err;
    report.bad += 1;
    return { message, id, receiveCount, refs: [], bad: err.message };
  }
}

interface Env {
  s3: S3Client;
  sqs: SQSClient;
  settings: Settings;
  known: Known;
  heartbeat: Heartbeat;
  report: SqsReport;
}

/** One round of received messages: its batches, then its poison messages quarantined and the rest deleted. */
async function* roundBatches(ctx: StageContext, system: string, env: Env, work: Work[], dir: string): AsyncGenerator<Batch> {
  // A bad notification will never parse: quarantined whole (the raw message) and deleted.
  for (const w of work.filter((x) => x.bad !== undefined)) await quarantine(ctx, system, env, w, 'bad_notification');
  const fetched = await fetchAll(env, work, dir);
  const sizes = (w: Work) => ({ files: fetched.get(w)!.length, bytes: fetched.get(w)!.reduce((n, o) => n + o.size, 0) });
  for (const group of bounded([...fetched.keys()], sizes)) yield messagesBatch(ctx, env, group, fetched);
  for (const w of work.filter((x) => x.failed)) {
    env.report.poison += 1;
    env.heartbeat.release(w.id);
    await quarantine(ctx, system, env, w, w.failed!.reason);
  }
  await deleteMessages(ctx, env, work.filter((w) => !w.failed && !fetched.has(w)));
}

/**
 * The objects of some messages as one batch; its ack deletes them. If it throws, its messages are
 * retried one by one, so one poison object does not hold back the others; a message that fails alone
 * is marked poison (left on the queue); a lake failure (StoreError) stops the run.
 */
function messagesBatch(ctx: StageContext, env: Env, group: Work[], fetched: Map<Work, FetchedObject[]>): Batch {
  return {
    objects: group.flatMap((w) => fetched.get(w)!),
    ack: () => deleteMessages(ctx, env, group),
    failed(err) {
      if (err instanceof StoreError) return undefined;
      if (group.length === 1) {
        group[0]!.failed = { uri: fetched.get(group[0]!)!.map((o) => o.uri).join(' '), reason: 'ingest_failed', detail: messageOf(err) };
        return [];
      }
      ctx.log.debug({ stage: 'ingest', messages: group.length, error: messageOf(err) }, 'batch failed; retrying message by message');
      return group.map((w) => messagesBatch(ctx, env, [w], fetched));
    },
  };
}

/**
 * Downloads every object the batch names that the ledger does not hold yet. An object whose
 * notification gives ETag and size is recognised without a download. Returns, per message, its objects.
 */
async function fetchAll(env: Env, work: Work[], dir: string): Promise<Map<Work, FetchedObject[]>> {
  const jobs: { w: Work; ref: ObjectRef }[] = [];
  for (const w of work) {
    for (const ref of w.refs) {
      if (ref.etag !== undefined && ref.size !== undefined && env.known.has(s3ObjectId(ref.etag, ref.size))) {
        env.report.already_ingested += 1;
        continue;
      }
      jobs.push({ w, ref });
    }
  }
  const results = await settleLimit(jobs, PARALLEL_DOWNLOADS, ({ ref }, i) => download(env.s3, ref.bucket, ref.key, dir, i));
  const out = new Map<Work, FetchedObject[]>();
  results.forEach((r, i) => {
    const { w, ref } = jobs[i]!;
    if (r.status === 'rejected') {
      w.failed ??= { uri: s3Uri(ref.bucket, ref.key), reason: 'download_failed', detail: messageOf(r.reason) };
      return;
    }
    if (env.known.has(r.value.object_id)) {
      env.report.already_ingested += 1;
      return;
    }
    out.set(w, [...(out.get(w) ?? []), r.value]);
  });
  for (const w of work) if (w.failed) out.delete(w);
  return out;
}

/** Deletes completed messages, ten per call. A failed delete only means the message comes back, and is skipped then. */
async function deleteMessages(ctx: StageContext, env: Env, done: Work[]): Promise<void> {
  const { DeleteMessageBatchCommand } = await sqsSdk();
  for (let i = 0; i < done.length; i += 10) {
    const chunk = done.slice(i, i + 10);
    for (const w of chunk) env.heartbeat.release(w.id);
    try {
      const res = await env.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: env.settings.queue,
          Entries: chunk.map((w, j) => ({ Id: String(j), ReceiptHandle: w.message.ReceiptHandle! })),
        }),
      );
      env.report.deleted += res.Successful?.length ?? 0;
      for (const f of res.Failed ?? []) {
        ctx.log.warn({ stage: 'ingest', queue: env.settings.queue, message_id: chunk[Number(f.Id)]?.id, code: f.Code }, 'message not deleted');
      }
    } catch (err) {
      ctx.log.warn({ stage: 'ingest', queue: env.settings.queue, error: awsMessage(err) }, 'messages not deleted');
    }
  }
}

/**
 * Records a message that could not be completed, one quarantine file per (message, receive count), so
 * the quarantine shows each attempt until the redrive policy moves the message to the dead-letter queue.
 */
async function quarantine(ctx: StageContext, system: string, env: Env, w: Work, reason: string): Promise<void> {
  const line = {
    system,
    object: w.failed?.uri ?? null,
    object_id: null,
    record: null,
    sub: null,
    reason,
    detail: w.failed?.detail ?? w.bad ?? null,
    count: 1,
    raw: reason === 'bad_notification' ? (w.message.Body ?? '').slice(0, 65536) : null,
    queue: env.settings.queue,
    message_id: w.id,
    receive_count: w.receiveCount,
  };
  ctx.log.warn({ stage: 'ingest', system, queue: env.settings.queue, message_id: w.id, receive_count: w.receiveCount, reason, object: line.object, detail: line.detail }, 'message quarantined');
  await ctx.lake.writeText(layout.quarantineBatch(system, shortId('sqs', env.settings.queue, w.id, String(w.receiveCount))), `${JSON.stringify(line)}\n`);
}
