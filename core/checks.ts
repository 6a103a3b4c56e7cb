import { randomUUID } from 'node:crypto';
import { access, constants, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { awsErrorCode, awsMessage, credentialProblem, isAccessDenied, parseS3Uri, queueArn, s3Client, s3Sdk, sqsClient, sqsSdk } from './aws.js';
import { resolvePath, type Config, type Sse } from './config.js';
import { messageOf } from './errors.js';
import { createLogger } from './log.js';
import { plural } from './text.js';

/**
 * What a plugin tells `lapse doctor` and the docs about itself: the checks doctor runs for it and the
 * permissions it needs. The probes below are the checks' building blocks: each tries, with the current
 * credentials, what lapse will do to a place (read a file, list and read a prefix, write a lake, use a
 * queue) and says what is wrong — for AWS, which IAM permission on which resource is missing. None
 * consumes a message or leaves an object behind.
 */

export type CheckStatus = 'ok' | 'warn' | 'FAIL';

/** One line of doctor's output: `<status>  <what>: <detail>`. */
export interface Check {
  status: CheckStatus;
  what: string;
  detail: string;
}

export type Say = (check: Check) => void;

/** What a plugin's checks get besides its own options: the config, where to report, and the probes. */
export interface CheckContext {
  config: Config;
  /** Reports one result; doctor prints it at once. */
  say: Say;
  probe: Probes;
}

/**
 * A permission lapse needs to run a plugin: IAM actions (`service: 'aws'`, listed in docs/scale.md's
 * least-privilege policy and granted by infra/terraform) or a vendor's permission names (listed in the
 * plugin's docs page).
 */
export interface Permission {
  service: 'aws' | 'jira' | 'slack' | 'smtp' | 'okta' | 'github';
  actions: readonly string[];
  /** On what, in the config's words. */
  on: string;
}

/** The lake (`store`): doctor checks it itself (a core check); a plugin never declares it. */
export const LAKE_PERMISSIONS: readonly Permission[] = [
  { service: 'aws', actions: ['s3:ListBucket'], on: 'the store bucket, under its prefix' },
  { service: 'aws', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], on: 'the objects under store' },
  { service: 'aws', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], on: 'the KMS key of aws.sse (aws:kms)' },
];

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

export class Probes {
  private readonly log = createLogger('silent');
  constructor(
    private readonly config: Config,
    private readonly say: Say,
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
    const s3 = await s3Client(this.config.aws, this.log);
    const { DeleteObjectCommand, GetObjectCommand, ListObjectsCommand, PutObjectCommand } = await s3Sdk();
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
    const s3 = await s3Client(this.config.aws, this.log);
    const { HeadObjectCommand, ListObjectsCommand } = await s3Sdk();
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
    const sqs = await sqsClient(this.config.aws, url, this.log);
    const { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } = await sqsSdk();
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
