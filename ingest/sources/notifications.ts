/**
 * Reads the S3 objects an SQS message announces. Three shapes reach a queue:
 * - an S3 event notification, sent by the bucket straight to the queue (or through SNS with raw
 *   message delivery): `{ "Records": [{ "eventName": "ObjectCreated:Put", "s3": { bucket, object } }] }`.
 *   Keys are URL-encoded with `+` for a space
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html);
 * - the same wrapped in an SNS envelope: `{ "Type": "Notification", "Message": "<the event as a JSON string>" }`;
 * - an EventBridge event: `{ "detail-type": "Object Created", "detail": { "bucket": { "name" }, "object": { "key" } } }`,
 *   whose keys are not URL-encoded (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html).
 * A bucket sends `s3:TestEvent` when notifications are configured: acknowledged and ignored.
 */

export interface ObjectRef {
  bucket: string;
  key: string;
  /** From the notification, when it says: lets an object already in the ledger be skipped without a download. */
  size?: number;
  etag?: string;
}

export type Notification =
  | { kind: 'objects'; objects: ObjectRef[] }
  /** Nothing to ingest: a test event, a subscription confirmation, or only events other than object creation. */
  | { kind: 'ignore'; reason: string };

/** Thrown for a message that is not a notification lapse understands; the message says why. */
export class BadNotification extends Error {}

export function parseNotification(body: string): Notification {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new BadNotification('the message body is not JSON');
  }
  return parseDocument(doc, 0);
}

function parseDocument(doc: unknown, depth: number): Notification {
  if (!isObject(doc)) throw new BadNotification('the message body is not a JSON object');
  // SNS envelope: the payload is a JSON string in Message.
  if (doc['Type'] === 'Notification' && typeof doc['Message'] === 'string' && depth === 0) {
    let inner: unknown;
    try {
      inner = JSON.parse(doc['Message']);
    } catch {
      throw new BadNotification('the SNS Message is not JSON');
    }
    return parseDocument(inner, depth + 1);
  }
  if (doc['Type'] === 'SubscriptionConfirmation' || doc['Type'] === 'UnsubscribeConfirmation') {
    return { kind: 'ignore', reason: 'sns_subscription' };
  }
  if (doc['Event'] === 's3:TestEvent') return { kind: 'ignore', reason: 'test_event' };
  if (Array.isArray(doc['Records'])) return s3Event(doc['Records']);
  if (typeof doc['detail-type'] === 'string' && isObject(doc['detail'])) return eventBridge(doc['detail-type'], doc['detail']);
  throw new BadNotification('not an S3 event notification, an SNS notification or an EventBridge event');
}

function s3Event(records: unknown[]): Notification {
  const objects: ObjectRef[] = [];
  records.forEach((r, i) => {
    if (!isObject(r) || typeof r['eventName'] !== 'string') throw new BadNotification(`Records[${i}] has no eventName`);
    if (!r['eventName'].startsWith('ObjectCreated:')) return;
    const s3 = r['s3'];
    const bucket = isObject(s3) && isObject(s3['bucket']) ? s3['bucket']['name'] : undefined;
    const object = isObject(s3) ? s3['object'] : undefined;
    if (typeof bucket !== 'string' || !isObject(object) || typeof object['key'] !== 'string') {
      throw new BadNotification(`Records[${i}] has no s3.bucket.name or s3.object.key`);
    }
    objects.push(ref(bucket, decodeS3Key(object['key'], i), object['size'], object['eTag']));
  });
  return objects.length ? { kind: 'objects', objects } : { kind: 'ignore', reason: 'not_object_created' };
}

function eventBridge(detailType: string, detail: Record<string, unknown>): Notification {
  if (detailType !== 'Object Created') return { kind: 'ignore', reason: 'not_object_created' };
  const bucket = isObject(detail['bucket']) ? detail['bucket']['name'] : undefined;
  const object = detail['object'];
  if (typeof bucket !== 'string' || !isObject(object) || typeof object['key'] !== 'string') {
    throw new BadNotification('EventBridge detail has no bucket.name or object.key');
  }
  return { kind: 'objects', objects: [ref(bucket, object['key'], object['size'], object['etag'])] };
}

/** S3 notification keys are form-encoded: `+` is a space, `%2B` a plus. */
export function decodeS3Key(key: string, record = 0): string {
  try {
    return decodeURIComponent(key.replaceAll('+', ' '));
  } catch {
    throw new BadNotification(`Records[${record}] s3.object.key is not URL-encoded: ${key}`);
  }
}

function ref(bucket: string, key: string, size: unknown, etag: unknown): ObjectRef {
  return {
    bucket,
    key,
    ...(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 && { size }),
    ...(typeof etag === 'string' && etag !== '' && { etag: unquoteEtag(etag) }),
  };
}

/** Listings and GET quote the ETag (`"abc"`); notifications do not. */
export const unquoteEtag = (etag: string) => etag.replace(/^"(.*)"$/, '$1');

/** The id of an S3 object version in the ledger: its ETag and size, known without downloading it. */
export const s3ObjectId = (etag: string, size: number) => `etag:${unquoteEtag(etag)}:${size}`;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
