import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsConfig } from './config.js';
import type { Logger } from './log.js';

/**
 * AWS clients as every part of lapse makes them: the SDK's default credential chain (env, profile,
 * SSO, web identity, container and instance roles), the configured region, endpoint overrides from the
 * config or the standard `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL_SQS` / `AWS_ENDPOINT_URL` variables,
 * path-style addressing for custom S3 endpoints, and the SDK's retries with backoff.
 */

export type AwsSettings = Pick<AwsConfig, 'region' | 'endpoints' | 'force_path_style' | 'sse'> & { max_attempts?: number };

export const DEFAULT_AWS: AwsSettings = { endpoints: {} };

/** A bucket and a key prefix (no leading `/`; empty for the whole bucket). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: m[1]!, prefix: m[2]! };
}

export const s3Uri = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** An explicit endpoint: the config's, else the standard environment variables the SDK also reads. */
function endpointFor(service: 's3' | 'sqs', aws: AwsSettings): string | undefined {
  const env = process.env;
  if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] === 'true') return aws.endpoints[service];
  return aws.endpoints[service] ?? env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ?? env['AWS_ENDPOINT_URL'] ?? undefined;
}

/**
 * The SDK's own log lines (a queue URL on another host, every failed call — including the expected
 * NoSuchKey of a read that finds nothing) go to our logger at debug; lapse reports real failures itself.
 */
function sdkLogger(log?: Logger) {
  const debug = (...args: unknown[]) => log?.debug({ sdk: args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ') }, 'aws sdk');
  return { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: debug, error: debug };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (k, v: unknown) => (k === '$response' || k === 'input' ? undefined : v));
  } catch {
    return String(value);
  }
}

export type S3Sdk = typeof import('@aws-sdk/client-s3');
export type SqsSdk = typeof import('@aws-sdk/client-sqs');

let s3Module: Promise<S3Sdk> | undefined;
let sqsModule: Promise<SqsSdk> | undefined;

/**
 * The AWS SDK's modules, loaded on first use: importing them takes about half a second, which a run
 * that touches no S3 or SQS (a local lake and local logs) should not pay at every start.
 */
export const s3Sdk = (): Promise<S3Sdk> => (s3Module ??= import('@aws-sdk/client-s3'));
export const sqsSdk = (): Promise<SqsSdk> => (sqsModule ??= import('@aws-sdk/client-sqs'));

const s3Clients = new WeakMap<AwsSettings, S3Client>();

/** One S3 client per settings object (clients pool their connections). */
export async function s3Client(aws: AwsSettings, log?: Logger): Promise<S3Client> {
  const { S3Client } = await s3Sdk();
  const cached = s3Clients.get(aws);
  if (cached) return cached;
  const endpoint = endpointFor('s3', aws);
  const client = new S3Client({
    ...(aws.region && { region: aws.region }),
    ...(endpoint && { endpoint }),
    // A custom endpoint (MinIO, a test server, an IP) rarely has per-bucket DNS names.
    forcePathStyle: aws.force_path_style ?? endpoint !== undefined,
    // A bucket in another region than the client's answers with a redirect the SDK follows.
    followRegionRedirects: true,
    maxAttempts: aws.max_attempts ?? 5,
    logger: sdkLogger(log),
  });
  s3Clients.set(aws, client);
  return client;
}

const sqsClients = new WeakMap<AwsSettings, Map<string, SQSClient>>();

/**
 * An SQS client for a queue URL. A queue URL names its region (`https://sqs.<region>.amazonaws.com/…`),
 * and requests must be signed for that region, so the region comes from the URL when it has one.
 * Without an endpoint override the SDK sends each request to the queue URL's host.
 */
export async function sqsClient(aws: AwsSettings, queueUrl: string, log?: Logger): Promise<SQSClient> {
  const { SQSClient } = await sqsSdk();
  const region = regionOfQueue(queueUrl) ?? aws.region;
  const byRegion = sqsClients.get(aws) ?? new Map<string, SQSClient>();
  sqsClients.set(aws, byRegion);
  const cached = byRegion.get(region ?? '');
  if (cached) return cached;
  const endpoint = endpointFor('sqs', aws);
  const client = new SQSClient({
    ...(region && { region }),
    ...(endpoint && { endpoint }),
    maxAttempts: aws.max_attempts ?? 5,
    logger: sdkLogger(log),
  });
  byRegion.set(region ?? '', client);
  return client;
}

export function regionOfQueue(queueUrl: string): string | undefined {
  return /^https?:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(queueUrl)?.[1];
}

/** `arn:aws:sqs:<region>:<account>:<name>` for a queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export function queueArn(queueUrl: string, fallbackRegion = '*'): string {
  const m = /^https?:\/\/[^/]+\/(\d+)\/([^/?]+)/.exec(queueUrl);
  const region = regionOfQueue(queueUrl) ?? fallbackRegion;
  return m ? `arn:aws:sqs:${region}:${m[1]}:${m[2]}` : `the queue ${queueUrl}`;
}

/** The error code of an AWS SDK error (`AccessDenied`, `NoSuchKey`, …), or undefined for other errors. */
export function awsErrorCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { name?: string; Code?: string; $metadata?: unknown; code?: string };
  if (e.$metadata === undefined && e.code === undefined && e.Code === undefined) return undefined;
  return e.Code ?? e.name ?? e.code;
}

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'AllAccessDisabled', 'AuthorizationError', 'KMS.AccessDeniedException']);

export function isAccessDenied(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code !== undefined && (DENIED.has(code) || code.endsWith('AccessDenied') || code.endsWith('AccessDeniedException'));
}

/** Errors that say the credentials themselves are missing or wrong, whatever the operation. */
export function credentialProblem(err: unknown): string | undefined {
  const name = (err as { name?: string } | undefined)?.name;
  const code = awsErrorCode(err) ?? name;
  if (name === 'CredentialsProviderError') return 'no AWS credentials found by the default chain (env, profile, SSO, web identity, container or instance role)';
  if (code === 'InvalidAccessKeyId' || code === 'InvalidClientTokenId' || code === 'UnrecognizedClientException') return 'the AWS access key is not valid';
  if (code === 'SignatureDoesNotMatch' || code === 'IncompleteSignature') return 'the AWS secret key does not match the access key';
  if (code === 'ExpiredToken' || code === 'ExpiredTokenException' || code === 'RequestExpired') return 'the AWS session token has expired';
  if (/Region is missing/i.test((err as Error | undefined)?.message ?? '')) return 'no AWS region: set aws.region or AWS_REGION';
  return undefined;
}

/** One line for an AWS error: `AccessDenied: Access Denied`. */
export function awsMessage(err: unknown): string {
  const code = awsErrorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}
