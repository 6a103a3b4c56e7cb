import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import S3rver from 's3rver';
import { createRequestHandler } from 'local-aws-sqs';
import type { AwsSettings } from '../../core/aws.js';

/**
 * Local S3 (s3rver) and SQS (local-aws-sqs, JSON protocol) on 127.0.0.1, on free ports, for tests
 * that run the real AWS SDK over the wire. Both sit behind a tiny gate that can answer AccessDenied
 * for chosen requests, the way a bucket or queue policy would, so permission errors are testable too.
 */

/** A request the gate refuses: S3 by method and path prefix (`/bucket/key…`), SQS by API action. */
export type Deny = { s3: { method: string; path: string } } | { sqs: string };

export interface AwsServers {
  s3Endpoint: string;
  sqsEndpoint: string;
  /** Settings as the config's `aws:` block would give them. */
  aws: AwsSettings;
  /** Environment for child processes: credentials, region and the standard endpoint variables. */
  env: Record<string, string>;
  s3: S3Client;
  sqs: SQSClient;
  deny: Deny[];
  /** Every S3 request the gate saw: method, decoded path, headers. */
  s3Requests: { method: string; path: string; headers: IncomingMessage['headers'] }[];
  createBucket(name: string): Promise<void>;
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>;
  put(bucket: string, key: string, body: string | Buffer): Promise<string>;
  send(queueUrl: string, bodies: string[]): Promise<void>;
  depth(queueUrl: string): Promise<{ visible: number; inFlight: number }>;
  close(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startAwsServers(): Promise<AwsServers> {
  const dir = await mkdtemp(join(tmpdir(), 'lapse-s3rver-'));
  const s3rver = new S3rver({ silent: true, directory: dir, allowMismatchedSignatures: false });
  const deny: Deny[] = [];
  const s3Requests: AwsServers['s3Requests'] = [];
  const s3Handler = s3rver.callback();
  const s3Server = await listen((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    s3Requests.push({ method: req.method ?? '', path, headers: req.headers });
    if (deny.some((d) => 's3' in d && d.s3.method === req.method && path.startsWith(d.s3.path))) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      return;
    }
    s3Handler(req, res);
  });
  const s3Endpoint = `http://127.0.0.1:${(s3Server.address() as AddressInfo).port}`;
  // The queue URLs the server hands out carry its host and port, so it needs the port first.
  const sqsServer = await listen(() => undefined);
  const sqsPort = (sqsServer.address() as AddressInfo).port;
  const { requestHandler } = createRequestHandler({ port: sqsPort, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  sqsServer.removeAllListeners('request');
  sqsServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const action = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
    if (deny.some((d) => 'sqs' in d && d.sqs === action)) {
      res.writeHead(403, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'AccessDenied;Sender' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#AccessDenied', message: `not authorized to perform: sqs:${action}` }));
      return;
    }
    void requestHandler(req, res);
  });
  const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
  const aws: AwsSettings = { region: 'us-east-1', endpoints: { s3: s3Endpoint, sqs: sqsEndpoint }, max_attempts: 2 };
  const s3 = new S3Client({ region: 'us-east-1', endpoint: s3Endpoint, forcePathStyle: true, credentials: CREDENTIALS });
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: sqsEndpoint, credentials: CREDENTIALS });
  return {
    s3Endpoint,
    sqsEndpoint,
    aws,
    env: {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    },
    s3,
    sqs,
    deny,
    s3Requests,
    async createBucket(name) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    async createQueue(name, attributes) {
      const r = await sqs.send(new CreateQueueCommand({ QueueName: name, ...(attributes && { Attributes: attributes }) }));
      return r.QueueUrl!;
    },
    async put(bucket, key, body) {
      const r = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: typeof body === 'string' ? Buffer.from(body) : body }));
      return r.ETag!.replaceAll('"', '');
    },
    async send(queueUrl, bodies) {
      for (let i = 0; i < bodies.length; i += 10) {
        const r = await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: bodies.slice(i, i + 10).map((b, j) => ({ Id: String(j), MessageBody: b })) }),
        );
        if (r.Failed?.length) throw new Error(`send failed: ${JSON.stringify(r.Failed)}`);
      }
    },
    async depth(queueUrl) {
      const r = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      return { visible: Number(r.Attributes?.ApproximateNumberOfMessages), inFlight: Number(r.Attributes?.ApproximateNumberOfMessagesNotVisible) };
    },
    async close() {
      s3.destroy();
      sqs.destroy();
      await Promise.all([close(s3Server), close(sqsServer)]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sets the SDK's credentials for this process (the clients lapse makes use the default chain). */
export function useTestCredentials(servers: AwsServers): void {
  process.env['AWS_ACCESS_KEY_ID'] = servers.env['AWS_ACCESS_KEY_ID'];
  process.env['AWS_SECRET_ACCESS_KEY'] = servers.env['AWS_SECRET_ACCESS_KEY'];
  process.env['AWS_REGION'] = 'us-east-1';
}

/** An S3 event notification as a bucket sends it (keys form-encoded: space as `+`). */
export function s3Event(bucket: string, key: string, size: number, etag: string, eventName = 'ObjectCreated:Put'): object {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2026-06-30T10:00:00.000Z',
        eventName,
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'lapse-logs',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeURIComponent(key).replaceAll('%20', '+').replaceAll('%2F', '/'), size, eTag: etag, sequencer: '0055AED6DCD90281E5' },
        },
      },
    ],
  };
}

/** The same wrapped by SNS (raw message delivery off). */
export const snsWrapped = (inner: object) => ({
  Type: 'Notification',
  MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
  TopicArn: 'arn:aws:sns:us-east-1:123456789012:log-objects',
  Subject: 'Amazon S3 Notification',
  Message: JSON.stringify(inner),
  Timestamp: '2026-06-30T10:00:00.000Z',
});

/** An EventBridge "Object Created" event (keys not URL-encoded). */
export const eventBridgeEvent = (bucket: string, key: string, size: number, etag: string) => ({
  version: '0',
  id: '17793124-05d4-b198-2fde-7ededc63b103',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  account: '123456789012',
  time: '2026-06-30T10:00:00Z',
  region: 'us-east-1',
  resources: [`arn:aws:s3:::${bucket}`],
  detail: { version: '0', bucket: { name: bucket }, object: { key, size, etag, sequencer: '00617F08299329D189' }, reason: 'PutObject' },
});

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
