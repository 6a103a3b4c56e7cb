import { rm } from 'node:fs/promises';
import { s3Client } from '../../core/aws.js';
import type { LogSource } from '../../core/config.js';
import type { StageContext } from '../../core/context.js';
import { SourceError } from '../../core/errors.js';
import { download, listPrefix, mapLimit, type RemoteObject } from './s3.js';
import { loadLedgerRetrying, PARALLEL_DOWNLOADS, type RemoteReport, type Sink } from './sink.js';
import { drainQueue } from './sqs.js';

export type { FetchedObject } from './s3.js';
export type { RemoteReport, Sink } from './sink.js';

/**
 * Remote log sources (`s3:` prefixes and `sqs:` queues). They download objects to local scratch files
 * and hand them to the normal ingest path: connectors only ever see local files.
 */

export async function ingestRemote(ctx: StageContext, system: string, source: LogSource, sink: Sink): Promise<RemoteReport> {
  if (source.s3 !== undefined) return ingestPrefix(ctx, system, source.s3, sink);
  if (source.sqs !== undefined) return drainQueue(ctx, system, { ...source, sqs: source.sqs }, sink);
  throw new SourceError(`${system}: a remote log source needs s3 or sqs`);
}

/**
 * An `s3://bucket/prefix/` source: lists the prefix, skips objects whose ETag and size the ledger
 * already holds (no download), then downloads and ingests the rest batch by batch, removing each
 * batch's local copies once it is committed.
 */
async function ingestPrefix(ctx: StageContext, system: string, uri: string, sink: Sink): Promise<RemoteReport> {
  const client = s3Client(ctx.config.aws, ctx.log);
  const listed = await listPrefix(client, uri);
  const ledger = await loadLedgerRetrying(ctx, system);
  const seen = new Set<string>();
  const fresh = listed.filter((o) => {
    if (ledger.has(o.object_id) || seen.has(o.object_id)) return false;
    seen.add(o.object_id);
    return true;
  });
  ctx.log.debug({ stage: 'ingest', system, source: uri, listed: listed.length, new: fresh.length }, 's3 prefix listed');
  for (const chunk of chunks(fresh, sink)) {
    const dir = await ctx.lake.scratch();
    const results = await mapLimit(chunk, PARALLEL_DOWNLOADS, (o, i) => download(client, o.bucket, o.key, dir, i));
    const fetched = results.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
    try {
      await sink.commit(fetched);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { files: listed.length, already_ingested: listed.length - fresh.length };
}

function* chunks(objects: RemoteObject[], sink: Sink): Generator<RemoteObject[]> {
  let chunk: RemoteObject[] = [];
  let bytes = 0;
  for (const o of objects) {
    if (chunk.length && (chunk.length >= sink.maxFiles || bytes + o.size > sink.maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(o);
    bytes += o.size;
  }
  if (chunk.length) yield chunk;
}
