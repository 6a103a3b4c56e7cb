import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { awsMessage, parseS3Uri, s3Sdk, s3Uri } from '../../core/aws.js';
import { SourceError } from '../../core/errors.js';
import { listObjects } from '../../core/s3.js';
import { s3ObjectId } from './notifications.js';

/** An S3 object a source names, with what a listing says about it. */
export interface RemoteObject {
  bucket: string;
  key: string;
  uri: string;
  size: number;
  object_id: string;
}

/** A downloaded object, ready for a connector: a local path, and the ledger's id and URI. */
export interface FetchedObject {
  path: string;
  size: number;
  mtime_ms: number;
  uri: string;
  object_id: string;
}

/** Every object under an `s3://bucket/prefix`, with its ledger id from ETag and size (no download). */
export async function listPrefix(client: S3Client, uri: string): Promise<RemoteObject[]> {
  const { bucket, prefix } = parseS3Uri(uri);
  const out: RemoteObject[] = [];
  try {
    for await (const o of listObjects(client, bucket, prefix)) {
      out.push({ bucket, key: o.key, uri: s3Uri(bucket, o.key), size: o.size, object_id: s3ObjectId(o.etag, o.size) });
    }
  } catch (err) {
    throw new SourceError(`${uri}: cannot list: ${awsMessage(err)}`, { cause: err });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/**
 * Downloads one object into `dir`. The id comes from the GET itself (ETag and length of what was
 * read), so it always names the bytes ingested, even if the object changed since it was listed.
 * The local name keeps the key's base name (and so its `.gz`, `.json`, `.csv` extensions).
 */
export async function download(client: S3Client, bucket: string, key: string, dir: string, n: number): Promise<FetchedObject> {
  const uri = s3Uri(bucket, key);
  const path = join(dir, `${n}-${basename(key).replace(/[^A-Za-z0-9._-]/g, '_').slice(-120)}`);
  try {
    const { GetObjectCommand } = await s3Sdk();
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    await pipeline(res.Body as Readable, createWriteStream(path));
    const size = res.ContentLength ?? 0;
    return {
      path,
      size,
      mtime_ms: res.LastModified?.getTime() ?? 0,
      uri,
      object_id: res.ETag ? s3ObjectId(res.ETag, size) : `${uri}|${size}`,
    };
  } catch (err) {
    await rm(path, { force: true });
    throw new SourceError(`${uri}: cannot download: ${awsMessage(err)}`, { cause: err });
  }
}
