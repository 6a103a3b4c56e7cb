import { randomUUID } from 'node:crypto';
import { access, constants, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { glob, isDynamicPattern } from 'tinyglobby';
import { awsErrorCode, awsMessage, credentialProblem, isAccessDenied, parseS3Uri, queueArn, s3Client, sqsClient } from '../core/aws.js';
import { resolvePath, type Config, type Sse } from '../core/config.js';
import { daysBetween, type Day } from '../core/days.js';
import { Db } from '../core/db.js';
import { EXIT, messageOf } from '../core/errors.js';
import { layout, partition } from '../core/layout.js';
import { GuardEntry } from '../core/model.js';
import { openStore, type Lake } from '../core/store.js';
import { createLogger } from '../core/log.js';
import type { Io } from './commands.js';
import { readConfig } from './config.js';
import { asOfDay } from './context.js';
import { JiraOptions } from '../actions/jira/options.js';
import { revocationList } from '../actions/revocation_list/action.js';
import { plural } from '../core/text.js';

/**
 * `lapse doctor`: checks the config, then every place lapse reads or writes, with the current
 * credentials, and says what is wrong — for AWS, which IAM permission on which resource is missing.
 * It never consumes a message or leaves an object behind.
 */

type Status = 'ok' | 'warn' | 'FAIL';
interface Check {
  status: Status;
  what: string;
  detail: string;
}

export async function doctorCommand(io: Io, o: { config: string; asOf?: string }): Promise<number> {
  const asOf = asOfDay(o.asOf);
  const checks: Check[] = [];
  const say = (c: Check) => {
    checks.push(c);
    io.out(`${c.status.padEnd(4)}  ${c.what}: ${c.detail}\n`);
  };
  let config: Config;
  try {
    config = await readConfig(o.config);
  } catch (err) {
    say({ status: 'FAIL', what: 'config', detail: messageOf(err) });
    return EXIT.usage;
  }
  say({ status: 'ok', what: 'config', detail: `${o.config}: ${Object.keys(config.systems).length} systems, ${config.actions.length} actions` });
  const doctor = new Doctor(config, say);
  await doctor.localFile('directory', config.directory.path);
  for (const [name, sys] of Object.entries(config.systems)) {
    await doctor.localFile(`${name} grants`, sys.grants.path);
    for (const source of sys.logs) {
      if (source.path !== undefined) await doctor.localFile(`${name} logs`, source.path, true);
      if (source.s3 !== undefined) await doctor.s3Source(`${name} logs`, source.s3);
      if (source.sqs !== undefined) await doctor.queue(`${name} logs`, source.sqs, 'consume');
    }
  }
  await doctor.location('lake', config.store, config.aws.sse);
  await lakeState(config, asOf, say);
  for (const action of config.actions) {
    if (action.type === 'jira') await jira(JiraOptions.parse(action), say);
    if (action.type !== 'revocation_list') continue;
    const a = revocationList.options.parse(action);
    await doctor.location('revocation lists', a.target, a.sse ?? config.aws.sse);
    for (const [system, queue] of Object.entries(a.notify?.sqs ?? {})) await doctor.queue(`${system} revoker queue`, queue, 'send');
  }
  const failed = checks.filter((c) => c.status === 'FAIL').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  const warnings = `${plural(warned, 'warning')}: what the next run will hold or skip (see warn above)`;
  io.out(`${failed ? `${plural(failed, 'problem')}${warned ? `, ${warnings}` : ''}` : warned ? `no failures, ${warnings}` : 'no problems'}\n`);
  return failed ? EXIT.failed : EXIT.ok;
}

/**
 * What the lake says the next run will hold, as of a day: a system whose newest ingested event is older
 * than its max_source_lag_days (source_freshness holds it), a system with no grants snapshot (nothing to
 * judge), and the guards the newest run record on or before the day held. Read-only.
 */
async function lakeState(config: Config, asOf: Day, say: (c: Check) => void): Promise<void> {
  let lake: Lake | undefined;
  let db: Db | undefined;
  try {
    lake = openStore(resolvePath(config, config.store), { aws: config.aws, log: createLogger('silent') });
    const ledger = (await lake.list(layout.objects)).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
    if (ledger.length === 0) return say({ status: 'ok', what: 'lake', detail: `${lake.uri}: nothing ingested yet; source freshness is checked once lapse ingest has run` });
    db = await Db.open({ threads: 1 });
    const newest = new Map(
      (
        await db.all<{ system: string; newest: string }>(
          `SELECT system, max(last_seen)::DATE::VARCHAR AS newest FROM read_parquet($files, hive_partitioning = true, union_by_name = true)
           WHERE first_seen IS NOT NULL AND first_seen::DATE <= $as_of::DATE GROUP BY system`,
          { files: await lake.localPaths(ledger), as_of: asOf },
        )
      ).map((r) => [r.system, r.newest]),
    );
    const snapshots = (await lake.list(layout.grants)).map((o) => o.key);
    for (const [name, sys] of Object.entries(config.systems)) {
      const lag = sys.max_source_lag_days ?? config.defaults.max_source_lag_days;
      const day = newest.get(name);
      const what = `${name} freshness`;
      if (!day) say({ status: 'warn', what, detail: `no event ingested on or before ${asOf}: source_freshness will hold ${name} (nothing can be judged unused)` });
      else if (daysBetween(day, asOf) > lag) {
        say({ status: 'warn', what, detail: `newest event ${day}, ${plural(daysBetween(day, asOf), 'day')} before ${asOf} (max_source_lag_days ${lag}): source_freshness will hold ${name}` });
      } else say({ status: 'ok', what, detail: `newest event ${day}, within ${plural(lag, 'day')} of ${asOf}` });
      const held = snapshots.some((k) => partition(k, 'system') === name && (partition(k, 'day') ?? '') <= asOf);
      if (!held) say({ status: 'warn', what: `${name} grants snapshot`, detail: `none in the lake on or before ${asOf}: no grant of ${name} is judged until lapse ingest reads one` });
    }
    await lastRun(lake, asOf, say);
  } catch (err) {
    say({ status: 'warn', what: 'lake', detail: `cannot read what the lake holds: ${messageOf(err)}` });
  } finally {
    db?.close();
    await lake?.cleanup();
  }
}

/** The guards the newest run record on or before `asOf` held: the next run is likely to hold them again. */
async function lastRun(lake: Lake, asOf: Day, say: (c: Check) => void): Promise<void> {
  const days = (await lake.list(layout.runs)).map((o) => partition(o.key, 'as_of')).filter((d): d is string => !!d && d <= asOf).sort();
  const day = days.at(-1);
  if (!day) return;
  const run = JSON.parse((await lake.readText(layout.runOf(day))) ?? '{}') as { guards?: unknown[] };
  for (const g of (run.guards ?? []).flatMap((g) => GuardEntry.safeParse(g).data ?? [])) {
    say({ status: 'warn', what: `${g.system} last run`, detail: `the run as of ${day} held ${g.held} (${g.guard}): ${g.detail}` });
  }
}

/** The jira action's credentials from the environment, and its project as that account sees it (one request, no retries). */
async function jira(options: JiraOptions, say: (c: Check) => void): Promise<void> {
  const what = `jira ${options.project}`;
  // Loaded on use: jira.js takes longer to import than most commands take to run.
  const { credentialsFrom, JiraApi, JiraError } = await import('../actions/jira/client.js');
  try {
    const credentials = credentialsFrom(options, process.env);
    const api = new JiraApi({ ...options, retry: { ...options.retry, max_retries: 0 } }, credentials, createLogger('silent'));
    const project = await api.project(options.project);
    if (!project) return say({ status: 'FAIL', what, detail: `${options.url}: project ${options.project} does not exist, or ${credentials.email} cannot browse it` });
    say({ status: 'ok', what, detail: `${options.url}: signed in as ${credentials.email}; project ${project.key} (${project.name}) visible` });
  } catch (err) {
    const rejected = err instanceof JiraError && err.failure.status === 401 ? ': the email or API token is rejected' : '';
    say({ status: 'FAIL', what, detail: `${options.url}: ${messageOf(err)}${rejected}` });
  }
}

/** IAM actions of the calls doctor makes, to name the missing permission. */
const IAM: Record<string, string> = {
  ListObjects: 's3:ListBucket',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  PutObject: 's3:PutObject',
  DeleteObject: 's3:DeleteObject',
  GetQueueAttributes: 'sqs:GetQueueAttributes',
  ReceiveMessage: 'sqs:ReceiveMessage',
  DeleteMessage: 'sqs:DeleteMessage',
};

class Doctor {
  private readonly log = createLogger('silent');
  constructor(
    private readonly config: Config,
    private readonly say: (c: Check) => void,
  ) {}

  async localFile(what: string, path: string, mayBeDir = false): Promise<void> {
    const full = resolvePath(this.config, path);
    const st = await stat(full).catch(() => undefined);
    if (mayBeDir && !st && isDynamicPattern(full)) {
      const n = (await glob(full, { absolute: true, onlyFiles: true })).length;
      if (n === 0) return this.say({ status: 'warn', what, detail: `${full}: the glob matches no file: nothing will be ingested from it` });
      return this.say({ status: 'ok', what, detail: `${full}: a glob matching ${plural(n, 'file')}` });
    }
    if (!st) return this.say({ status: 'FAIL', what, detail: `${full} does not exist` });
    if (st.isDirectory() && !mayBeDir) return this.say({ status: 'FAIL', what, detail: `${full} is a directory, not a file` });
    if (st.isDirectory() && (await glob('**/*', { cwd: full, onlyFiles: true })).length === 0) {
      return this.say({ status: 'warn', what, detail: `${full}: the directory holds no file: nothing will be ingested from it` });
    }
    try {
      await access(full, constants.R_OK);
      this.say({ status: 'ok', what, detail: `${full} readable` });
    } catch {
      this.say({ status: 'FAIL', what, detail: `${full} is not readable by this user` });
    }
  }

  /** A lake or list target: local directory writable, or S3 list + write, read, delete of a probe under `_doctor/`. */
  async location(what: string, location: string, sse: Sse | undefined): Promise<void> {
    const full = resolvePath(this.config, location);
    if (!full.startsWith('s3://')) {
      // The directory is created as lapse would create it; the probe file is removed again.
      const probe = join(full, `.lapse-doctor-${randomUUID()}`);
      try {
        await mkdir(full, { recursive: true });
        await writeFile(probe, 'lapse doctor probe\n');
        await rm(probe);
        return this.say({ status: 'ok', what, detail: `${full} writable` });
      } catch (err) {
        return this.say({ status: 'FAIL', what, detail: `${full}: not writable: ${messageOf(err)}` });
      }
    }
    const { bucket, prefix } = parseS3Uri(full.replace(/\/?$/, '/'));
    const s3 = s3Client(this.config.aws, this.log);
    const key = `${prefix}_doctor/${randomUUID()}.txt`;
    const steps: [string, string, () => Promise<unknown>][] = [
      ['ListObjects', `arn:aws:s3:::${bucket} (prefix ${prefix || '/'})`, () => s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }))],
      ['PutObject', `arn:aws:s3:::${bucket}/${prefix}*`, () => s3.send(new PutObjectCommand({
        Bucket: bucket, Key: key, Body: 'lapse doctor probe\n', ...(sse && { ServerSideEncryption: sse.type }), ...(sse?.kms_key_id && { SSEKMSKeyId: sse.kms_key_id }),
      }))],
      ['GetObject', `arn:aws:s3:::${bucket}/${prefix}*`, () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })).then((r) => r.Body?.transformToString())],
      ['DeleteObject', `arn:aws:s3:::${bucket}/${prefix}*`, () => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))],
    ];
    for (const [op, resource, call] of steps) {
      try {
        await call();
      } catch (err) {
        const kms = sse?.type === 'aws:kms' && op !== 'ListObjects' ? ' (with SSE-KMS also kms:GenerateDataKey and kms:Decrypt on the key)' : '';
        this.say({ status: 'FAIL', what, detail: `${full}: ${this.explain(err, op, resource)}${isAccessDenied(err) ? kms : ''}` });
        if (op === 'PutObject' || op === 'GetObject') await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
        return;
      }
    }
    this.say({ status: 'ok', what, detail: `${full}: list, write, read, delete${sse ? ` (${sse.type})` : ''}` });
  }

  /** An S3 log prefix: list, and read permission on an object when there is one (HEAD: nothing downloaded). */
  async s3Source(what: string, uri: string): Promise<void> {
    const { bucket, prefix } = parseS3Uri(uri);
    const s3 = s3Client(this.config.aws, this.log);
    let first: string | undefined;
    try {
      first = (await s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }))).Contents?.[0]?.Key;
    } catch (err) {
      return this.say({ status: 'FAIL', what, detail: `${uri}: ${this.explain(err, 'ListObjects', `arn:aws:s3:::${bucket} (prefix ${prefix || '/'})`)}` });
    }
    if (!first) return this.say({ status: 'warn', what, detail: `${uri}: listable but empty; s3:GetObject not checked` });
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: first }));
      this.say({ status: 'ok', what, detail: `${uri}: list, read` });
    } catch (err) {
      this.say({ status: 'FAIL', what, detail: `${uri}: ${this.explain(err, 'GetObject', `arn:aws:s3:::${bucket}/${prefix}*`)}` });
    }
  }

  /**
   * A queue: attributes (it exists, and its redrive policy), then the permissions a worker needs,
   * probed without consuming anything: ReceiveMessage only when the queue is empty (a receive counts
   * toward maxReceiveCount), DeleteMessage with a receipt handle no message has.
   */
  async queue(what: string, url: string, use: 'consume' | 'send'): Promise<void> {
    const sqs = sqsClient(this.config.aws, url, this.log);
    const arn = queueArn(url, this.config.aws.region);
    let attributes: Record<string, string>;
    try {
      attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
    } catch (err) {
      return this.say({ status: 'FAIL', what, detail: `${url}: ${this.explain(err, 'GetQueueAttributes', arn)}` });
    }
    if (use === 'send') return this.say({ status: 'ok', what, detail: `${url}: exists (sqs:SendMessage is not probed: a probe would reach the revoker)` });
    const notes: string[] = [];
    if (Number(attributes['ApproximateNumberOfMessages'] ?? 0) === 0) {
      try {
        await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, WaitTimeSeconds: 0, VisibilityTimeout: 0 }));
      } catch (err) {
        return this.say({ status: 'FAIL', what, detail: `${url}: ${this.explain(err, 'ReceiveMessage', arn)}` });
      }
    } else {
      notes.push('sqs:ReceiveMessage not probed (messages waiting: a probe would count toward their maxReceiveCount)');
    }
    try {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'lapse-doctor-probe' }));
    } catch (err) {
      const code = awsErrorCode(err) ?? '';
      if (isAccessDenied(err) || credentialProblem(err)) return this.say({ status: 'FAIL', what, detail: `${url}: ${this.explain(err, 'DeleteMessage', arn)}` });
      if (!/ReceiptHandle|InvalidParameter/i.test(code)) notes.push(`DeleteMessage probe: ${awsMessage(err)}`);
    }
    if (!attributes['RedrivePolicy']) {
      this.say({ status: 'warn', what, detail: `${url}: no redrive policy: a poison message comes back until it expires; set maxReceiveCount and a dead-letter queue` });
    }
    this.say({ status: 'ok', what, detail: `${url}: attributes, receive, delete${notes.length ? `; ${notes.join('; ')}` : ''}` });
  }

  /** What went wrong, in terms a person can act on: the missing IAM permission, the missing bucket or queue. */
  private explain(err: unknown, op: string, resource: string): string {
    const creds = credentialProblem(err);
    if (creds) return creds;
    if (isAccessDenied(err)) return `access denied: missing ${IAM[op] ?? op} on ${resource} (${op}: ${awsMessage(err)})`;
    const code = awsErrorCode(err);
    if (code === 'NoSuchBucket') return `the bucket does not exist (${op})`;
    if (code === 'QueueDoesNotExist' || code === 'AWS.SimpleQueueService.NonExistentQueue') return `the queue does not exist (${op})`;
    return `${op} failed: ${awsMessage(err)}`;
  }
}
