import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { S3Lake } from '../../core/s3.js';
import { openStore } from '../../core/store.js';
import { startAwsServers, useTestCredentials, type AwsServers } from './servers.js';

let servers: AwsServers;

beforeAll(async () => {
  servers = await startAwsServers();
  useTestCredentials(servers);
  await servers.createBucket('lake');
});
afterAll(() => servers?.close());

describe('S3Lake against s3rver', () => {
  test('openStore gives an S3 lake for s3:// and refuses other schemes', () => {
    expect(openStore('s3://lake/prefix/', { aws: servers.aws })).toBeInstanceOf(S3Lake);
    expect(openStore('s3://lake/prefix/', { aws: servers.aws }).uri).toBe('s3://lake/prefix');
    expect(() => openStore('gs://lake/x')).toThrow(/unsupported location; use a local directory or s3:\/\/bucket\/prefix/);
  });

  test('write, read, list under its prefix, remove', async () => {
    const lake = new S3Lake('s3://lake/a', { aws: servers.aws });
    const other = new S3Lake('s3://lake/ab', { aws: servers.aws });
    await lake.writeText('x/one.json', '{"n":1}\n');
    await other.writeText('x/two.json', 'not in lake a');
    expect(await lake.readText('x/one.json')).toBe('{"n":1}\n');
    expect(await lake.readText('x/missing.json')).toBeUndefined();
    expect(await lake.list('x/')).toEqual([{ key: 'x/one.json', size: 8 }]);
    await lake.remove(['x/one.json', 'x/never-existed']);
    expect(await lake.list('')).toEqual([]);
    expect(await other.list('')).toEqual([{ key: 'x/two.json', size: 13 }]);
    await expect(lake.readText('../escape')).rejects.toThrow(/escapes the lake/);
  });

  test('list pages past 1000 keys and remove deletes in batches of 1000', async () => {
    const lake = new S3Lake('s3://lake/many', { aws: servers.aws });
    const keys = Array.from({ length: 1010 }, (_, i) => `k/${String(i).padStart(5, '0')}.txt`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => lake.writeText(k, k)));
    const listed = await lake.list('k/');
    expect(listed.map((o) => o.key)).toEqual(keys);
    await lake.remove(keys);
    expect(await lake.list('k/')).toEqual([]);
    const deletes = servers.s3Requests.filter((r) => r.method === 'POST' && r.path.startsWith('/lake'));
    expect(deletes.length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  test('putFile moves a local file in; localPaths downloads once per ETag', async () => {
    const lake = new S3Lake('s3://lake/files', { aws: servers.aws });
    const staged = join(await lake.scratch(), 'shard.parquet');
    await writeFile(staged, 'first');
    await lake.putFile('usage/shard.parquet', staged);
    await expect(readFile(staged)).rejects.toThrow(/ENOENT/);

    const reader = new S3Lake('s3://lake/files', { aws: servers.aws });
    await reader.list('usage/');
    const [path] = await reader.localPaths(['usage/shard.parquet']);
    expect(path!.endsWith('.parquet')).toBe(true);
    expect(await readFile(path!, 'utf8')).toBe('first');
    // Same ETag in the listing: no second GET.
    const gets = () => servers.s3Requests.filter((r) => r.method === 'GET' && r.path === '/lake/files/usage/shard.parquet').length;
    const before = gets();
    expect(await reader.localPaths(['usage/shard.parquet'])).toEqual([path]);
    expect(gets()).toBe(before);
    // Rewritten by someone else: the next listing shows a new ETag and the new content is fetched.
    await lake.writeText('usage/shard.parquet', 'second');
    await reader.list('usage/');
    const [again] = await reader.localPaths(['usage/shard.parquet']);
    expect(await readFile(again!, 'utf8')).toBe('second');
    // Not listed since: a conditional GET (If-None-Match) answers 304 and the copy is reused.
    const fresh = new S3Lake('s3://lake/files', { aws: servers.aws });
    const [p1] = await fresh.localPaths(['usage/shard.parquet']);
    (fresh as unknown as { listed: Map<string, string> }).listed.clear();
    const [p2] = await fresh.localPaths(['usage/shard.parquet']);
    expect(p2).toBe(p1);
    expect(servers.s3Requests.at(-1)!.headers['if-none-match']).toBeDefined();
    await expect(reader.localPaths(['usage/gone.parquet'])).rejects.toThrow(/s3:\/\/lake\/files\/usage\/gone.parquet: GetObject failed: NoSuchKey/);
    await Promise.all([lake.cleanup(), reader.cleanup(), fresh.cleanup()]);
  });

  test('concurrent downloads share one local directory, and cleanup removes it', async () => {
    const lake = new S3Lake('s3://lake/many', { aws: servers.aws });
    const keys = Array.from({ length: 12 }, (_, i) => `day=2026-06-${String(i + 1).padStart(2, '0')}/part.parquet`);
    await Promise.all(keys.map((k) => lake.writeText(k, k)));
    const reader = new S3Lake('s3://lake/many', { aws: servers.aws });
    const paths = await reader.localPaths(keys);
    const root = paths[0]!.slice(0, paths[0]!.indexOf('/day='));
    expect(paths).toEqual(keys.map((k) => join(root, k)));
    await reader.cleanup();
    await expect(readFile(paths[0]!)).rejects.toThrow(/ENOENT/);
  });

  test('server-side encryption is requested on every write', async () => {
    const kms = new S3Lake('s3://lake/enc', { aws: servers.aws, sse: { type: 'aws:kms', kms_key_id: 'alias/lapse' } });
    await kms.writeText('a.json', '{}');
    const put = servers.s3Requests.filter((r) => r.method === 'PUT' && r.path === '/lake/enc/a.json').at(-1)!;
    expect(put.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(put.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/lapse');
    const s3 = openStore('s3://lake/enc2', { aws: { ...servers.aws, sse: { type: 'AES256' } } });
    await s3.writeText('b.json', '{}');
    expect(servers.s3Requests.filter((r) => r.method === 'PUT' && r.path === '/lake/enc2/b.json').at(-1)!.headers['x-amz-server-side-encryption']).toBe('AES256');
  });

  test('an access denied names the object and the operation', async () => {
    const lake = new S3Lake('s3://lake/locked', { aws: servers.aws });
    servers.deny.push({ s3: { method: 'PUT', path: '/lake/locked/' } });
    try {
      await expect(lake.writeText('x.json', '{}')).rejects.toThrow('s3://lake/locked/x.json: PutObject failed: AccessDenied: Access Denied');
    } finally {
      servers.deny.length = 0;
    }
  });
});
