import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { awsErrorCode, awsMessage, parseS3Uri, s3Client, s3Sdk, type AwsSettings, type S3Sdk } from './aws.js';
import type { Sse } from './config.js';
import { StoreError } from './errors.js';
import type { Logger } from './log.js';
import type { Lake, LakeObject } from './store.js';
import { removeOnSignal } from './scratch.js';

export interface S3LakeOptions {
  aws: AwsSettings;
  /** Server-side encryption of every object this store writes (default: the bucket's own default). */
  sse?: Sse | undefined;
  log?: Logger | undefined;
}

/** Downloads run this many at a time: enough to hide latency, few enough for a small container. */
const PARALLEL = 8;
/** DeleteObjects takes at most 1000 keys per call. */
const DELETE_BATCH = 1000;

interface Cached {
  etag: string;
  path: string;
}

/**
 * The lake under an S3 prefix (`s3://bucket/prefix`). A PUT is atomic, so a reader sees a whole object
 * or none, and a crashed writer leaves nothing half-written; the ledger stays the commit point.
 * DuckDB reads local files, so `localPaths` downloads objects into a per-process cache, reused while an
 * object's ETag is unchanged.
 */
export class S3Lake implements Lake {
  private readonly bucket: string;
  private readonly prefix: string;
  private root: Promise<string> | undefined;
  private release: () => void = () => undefined;
  private readonly cache = new Map<string, Cached>();
  /** ETags seen by the last listing, so a cached download is reused without asking again. */
  private readonly listed = new Map<string, string>();

  constructor(
    readonly uri: string,
    private readonly options: S3LakeOptions,
  ) {
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  /** The client and the SDK's commands, loaded on the lake's first use (core/aws.ts). */
  private async s3(): Promise<{ client: S3Client; sdk: S3Sdk }> {
    return { client: await s3Client(this.options.aws, this.options.log), sdk: await s3Sdk() };
  }

  private key(key: string): string {
    if (key.split('/').includes('..')) throw new StoreError(`lake key escapes the lake: ${key}`);
    return `${this.prefix}${key}`;
  }

  private fail(op: string, key: string, err: unknown): StoreError {
    return new StoreError(`s3://${this.bucket}/${this.key(key)}: ${op} failed: ${awsMessage(err)}`, { cause: err });
  }

  async list(prefix: string): Promise<LakeObject[]> {
    const out: LakeObject[] = [];
    try {
      for await (const o of listObjects((await this.s3()).client, this.bucket, this.key(prefix))) {
        const key = o.key.slice(this.prefix.length);
        out.push({ key, size: o.size });
        this.listed.set(key, o.etag);
      }
    } catch (err) {
      throw this.fail('ListObjects', prefix, err);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async readText(key: string): Promise<string | undefined> {
    try {
      const { client, sdk } = await this.s3();
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return await res.Body!.transformToString('utf8');
    } catch (err) {
      if (awsErrorCode(err) === 'NoSuchKey') return undefined;
      throw this.fail('GetObject', key, err);
    }
  }

  async writeText(key: string, text: string): Promise<void> {
    await this.put(key, Buffer.from(text, 'utf8'));
  }

  /**
   * Uploads a finished local file and keeps it as the cached copy of the new object, so reading back
   * what this process just wrote costs no download. Lake files (shards, ledgers, lists) are bounded in
   * size, so the body is sent from memory: the SDK then sends its checksum in a header.
   */
  async putFile(key: string, localPath: string): Promise<void> {
    const etag = await this.put(key, await readFile(localPath));
    const cached = await this.cachePath(key);
    await rename(localPath, cached).catch(() => rm(localPath, { force: true }));
    if (etag) this.cache.set(key, { etag, path: cached });
  }

  private async put(key: string, body: Buffer): Promise<string | undefined> {
    const sse = this.options.sse;
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: this.key(key),
      Body: body,
      ...(sse && { ServerSideEncryption: sse.type }),
      ...(sse?.kms_key_id && { SSEKMSKeyId: sse.kms_key_id }),
    };
    try {
      const { client, sdk } = await this.s3();
      const res = await client.send(new sdk.PutObjectCommand(input));
      this.cache.delete(key);
      if (res.ETag) this.listed.set(key, res.ETag);
      return res.ETag;
    } catch (err) {
      throw this.fail('PutObject', key, err);
    }
  }

  async remove(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const chunk = keys.slice(i, i + DELETE_BATCH);
      let res;
      try {
        const { client, sdk } = await this.s3();
        res = await client.send(
          new sdk.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: chunk.map((k) => ({ Key: this.key(k) })), Quiet: true } }),
        );
      } catch (err) {
        throw this.fail('DeleteObjects', chunk[0]!, err);
      }
      const failed = res.Errors ?? [];
      if (failed.length) {
        const first = failed[0]!;
        throw new StoreError(
          `s3://${this.bucket}/${first.Key}: DeleteObjects failed for ${failed.length} key(s): ${first.Code ?? ''} ${first.Message ?? ''}`.trim(),
        );
      }
      for (const k of chunk) {
        this.cache.delete(k);
        this.listed.delete(k);
      }
    }
  }

  /** Downloads the objects (or reuses this process's copy of the same ETag) and returns their local paths. */
  async localPaths(keys: string[]): Promise<string[]> {
    const out: string[] = new Array<string>(keys.length);
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const i = next++;
        out[i] = await this.download(keys[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, keys.length) }, worker));
    return out;
  }

  private async download(key: string): Promise<string> {
    const cached = this.cache.get(key);
    if (cached && this.listed.get(key) === cached.etag) return cached.path;
    let res;
    try {
      const { client, sdk } = await this.s3();
      res = await client.send(
        new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.key(key), ...(cached && { IfNoneMatch: cached.etag }) }),
      );
    } catch (err) {
      // 304: our copy is still the object's current content.
      if (cached && (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 304) return cached.path;
      throw this.fail('GetObject', key, err);
    }
    const etag = res.ETag ?? randomUUID();
    const path = await this.cachePath(key);
    const partial = `${path}.${randomUUID()}.part`;
    try {
      await pipeline(res.Body as Readable, createWriteStream(partial));
      await rename(partial, path);
    } catch (err) {
      await rm(partial, { force: true });
      throw this.fail('GetObject', key, err);
    }
    this.cache.set(key, { etag, path });
    this.listed.set(key, etag);
    return path;
  }

  /**
   * One local directory per process for downloads and staging; removed by `cleanup`. The promise is
   * kept, not its value, so concurrent downloads share the directory instead of each making one.
   */
  private localRoot(): Promise<string> {
    this.root ??= mkdtemp(join(tmpdir(), 'lapse-s3-')).then((dir) => {
      // A run stopped by SIGTERM or SIGINT removes it too (core/scratch.ts).
      this.release = removeOnSignal(dir);
      return dir;
    });
    return this.root;
  }

  /**
   * Where the local copy of a key lives: the key's own path under the cache directory, so Hive
   * partitions (`system=…/day=…/`) stay in the path DuckDB reads. A newer version replaces it by rename;
   * a reader that opened the old copy keeps reading it.
   */
  private async cachePath(key: string): Promise<string> {
    const path = join(await this.localRoot(), 'cache', ...key.split('/'));
    await mkdir(dirname(path), { recursive: true });
    return path;
  }

  async scratch(): Promise<string> {
    const dir = join(await this.localRoot(), 'scratch', randomUUID());
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async cleanup(): Promise<void> {
    const root = this.root;
    this.root = undefined;
    this.cache.clear();
    if (root) await rm(await root, { recursive: true, force: true });
    this.release();
  }
}

/**
 * Every object under a prefix, page by page (1000 keys a page), folder markers skipped. Uses
 * ListObjects with a marker, which every S3-compatible store pages correctly (some emulators cannot
 * make ListObjectsV2 continuation tokens); the permission is the same s3:ListBucket.
 */
export async function* listObjects(client: S3Client, bucket: string, prefix: string): AsyncGenerator<{ key: string; size: number; etag: string }> {
  const { ListObjectsCommand } = await s3Sdk();
  let marker: string | undefined;
  for (;;) {
    const page = await client.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, ...(marker !== undefined && { Marker: marker }) }));
    const contents = page.Contents ?? [];
    for (const o of contents) {
      if (!o.Key || o.Key.endsWith('/')) continue;
      yield { key: o.Key, size: o.Size ?? 0, etag: o.ETag ?? '' };
    }
    if (!page.IsTruncated || contents.length === 0) return;
    marker = page.NextMarker ?? contents.at(-1)!.Key;
  }
}
