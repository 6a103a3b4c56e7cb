import { rm } from 'node:fs/promises';
import { s3Client } from '../../core/aws.js';
import type { StageContext } from '../../core/context.js';
import type { Known } from '../ledger.js';
import { settleLimit } from '../../core/limit.js';
import { download, listPrefix } from './s3.js';
import { batchOf, bounded, PARALLEL_DOWNLOADS, type Batch, type LogSource, type SourceCounts } from './source.js';

/**
 * An `s3://bucket/prefix/` source: lists the prefix, skips objects whose ETag and size the ledger
 * already holds (no download), then downloads the rest batch by batch, removing each batch's local
 * copies once it is committed.
 */
export class PrefixSource implements LogSource {
  readonly counts: SourceCounts = { files: 0, already_ingested: 0 };
  constructor(
    private readonly ctx: StageContext,
    private readonly system: string,
    private readonly uri: string,
  ) {}

  async *batches(known: Known): AsyncGenerator<Batch> {
    const { ctx, system, uri } = this;
    const client = await s3Client(ctx.config.aws, ctx.log);
    const listed = await listPrefix(client, uri);
    const fresh = known.fresh(listed);
    this.counts.files = listed.length;
    this.counts.already_ingested = listed.length - fresh.length;
    ctx.log.debug({ stage: 'ingest', system, source: uri, listed: listed.length, new: fresh.length }, 's3 prefix listed');
    for (const chunk of bounded(fresh, (o) => ({ files: 1, bytes: o.size }))) {
      const dir = await ctx.lake.scratch();
      try {
        const results = await settleLimit(chunk, PARALLEL_DOWNLOADS, (o, i) => download(client, o.bucket, o.key, dir, i));
        const fetched = results.map((r) => {
          if (r.status === 'rejected') throw r.reason;
          return r.value;
        });
        yield batchOf(fetched);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
}
