import type { StageContext } from '../../core/context.js';
import { sha256File } from '../../core/hash.js';
import { mapLimit } from '../../core/limit.js';
import { expandPath } from '../files.js';
import type { Known } from '../ledger.js';
import { batchOf, bounded, PARALLEL_HASHES, type Batch, type LogSource, type SourceCounts } from './source.js';

/**
 * The `path:` log sources of a system, together: files, directories and globs (files.ts). An object's id
 * is its content's sha256 (so a copied file is not new); a file whose path, size and mtime the ledger
 * holds keeps its id without being read again.
 */
export class PathsSource implements LogSource {
  readonly counts: SourceCounts = { files: 0, already_ingested: 0 };
  constructor(
    private readonly ctx: StageContext,
    private readonly system: string,
    private readonly paths: string[],
  ) {}

  async *batches(known: Known): AsyncGenerator<Batch> {
    const { ctx, system } = this;
    const files = (await Promise.all(this.paths.map(expandPath))).flat();
    this.counts.files = files.length;
    const listed = performance.now();
    // Only files the ledger does not know by path, size and mtime are read, a few at a time.
    const objects = await mapLimit(files, PARALLEL_HASHES, async (f) => ({
      ...f, object_id: known.idByStat(f.path, f.size, f.mtime_ms) ?? `sha256:${await sha256File(f.path, f.size)}`,
    }));
    const fresh = known.fresh(objects);
    await known.recordSeen(ctx, system, objects);
    ctx.log.debug({ stage: 'ingest', system, files: files.length, identify_ms: Math.round(performance.now() - listed) }, 'objects identified');
    this.counts.already_ingested = files.length - fresh.length;
    let done = 0;
    ctx.progress?.({ stage: 'ingest', label: system, done, total: fresh.length, unit: 'files' });
    for (const batch of bounded(fresh, (o) => ({ files: 1, bytes: o.size }))) {
      yield batchOf(batch);
      done += batch.length;
      ctx.progress?.({ stage: 'ingest', label: system, done, total: fresh.length, unit: 'files' });
    }
  }
}
