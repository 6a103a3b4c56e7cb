import { describe, expect, test } from 'vitest';
import { BadNotification, decodeS3Key, parseNotification, s3ObjectId } from './notifications.js';

const record = (eventName: string, key: string, extra: object = {}) => ({
  eventName,
  s3: { bucket: { name: 'logs' }, object: { key, size: 12, eTag: 'abc', ...extra } },
});

describe('parseNotification', () => {
  test.each([
    ['S3 direct, key form-encoded', { Records: [record('ObjectCreated:Put', 'AWSLogs/a+b%2Bc%3D.json.gz')] }, [{ bucket: 'logs', key: 'AWSLogs/a b+c=.json.gz', size: 12, etag: 'abc' }]],
    ['S3 direct, several records, deletions skipped', { Records: [record('ObjectRemoved:Delete', 'x'), record('ObjectCreated:CompleteMultipartUpload', 'y')] }, [{ bucket: 'logs', key: 'y', size: 12, etag: 'abc' }]],
    ['SNS envelope', { Type: 'Notification', Message: JSON.stringify({ Records: [record('ObjectCreated:Copy', 'k%C3%A9y')] }) }, [{ bucket: 'logs', key: 'kéy', size: 12, etag: 'abc' }]],
    ['EventBridge, key as is', { 'detail-type': 'Object Created', source: 'aws.s3', detail: { bucket: { name: 'logs' }, object: { key: 'a+b c.json', size: 5, etag: '"e"' } } }, [{ bucket: 'logs', key: 'a+b c.json', size: 5, etag: 'e' }]],
    ['EventBridge without size or etag', { 'detail-type': 'Object Created', detail: { bucket: { name: 'logs' }, object: { key: 'k' } } }, [{ bucket: 'logs', key: 'k' }]],
  ])('%s', (_name, doc, objects) => {
    expect(parseNotification(JSON.stringify(doc))).toEqual({ kind: 'objects', objects });
  });

  test.each([
    ['s3:TestEvent', { Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'logs' }, 'test_event'],
    ['SNS-wrapped test event', { Type: 'Notification', Message: JSON.stringify({ Event: 's3:TestEvent' }) }, 'test_event'],
    ['SNS subscription confirmation', { Type: 'SubscriptionConfirmation', SubscribeURL: 'https://sns' }, 'sns_subscription'],
    ['only deletions', { Records: [record('ObjectRemoved:Delete', 'x')] }, 'not_object_created'],
    ['EventBridge Object Deleted', { 'detail-type': 'Object Deleted', detail: { bucket: { name: 'b' }, object: { key: 'k' } } }, 'not_object_created'],
  ])('%s is acknowledged and ignored', (_name, doc, reason) => {
    expect(parseNotification(JSON.stringify(doc))).toEqual({ kind: 'ignore', reason });
  });

  test.each([
    ['not JSON', 'hello', /not JSON/],
    ['a JSON array', '[1]', /not a JSON object/],
    ['SNS Message not JSON', JSON.stringify({ Type: 'Notification', Message: 'x' }), /SNS Message is not JSON/],
    ['a record without eventName', JSON.stringify({ Records: [{}] }), /Records\[0\] has no eventName/],
    ['a created record without key', JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: {} } }] }), /no s3.bucket.name or s3.object.key/],
    ['a bad percent escape', JSON.stringify({ Records: [record('ObjectCreated:Put', 'a%ZZ')] }), /not URL-encoded: a%ZZ/],
    ['something else', JSON.stringify({ hello: 'world' }), /not an S3 event notification/],
  ])('%s is a bad notification', (_name, body, message) => {
    expect(() => parseNotification(body)).toThrow(BadNotification);
    expect(() => parseNotification(body)).toThrow(message);
  });

  test('keys and ids', () => {
    expect(decodeS3Key('a+b%2B%20c')).toBe('a b+ c');
    expect(s3ObjectId('"d41d8cd98f00b204e9800998ecf8427e"', 0)).toBe(s3ObjectId('d41d8cd98f00b204e9800998ecf8427e', 0));
    expect(s3ObjectId('abc-3', 10)).toBe('etag:abc-3:10');
  });
});
