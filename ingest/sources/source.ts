import type { Known } from '../ledger.js';

/**
 * What ingest reads logs from: local paths, `s3:` prefixes and `sqs:` queues all hand over the objects
 * the ledger does not hold yet, as local files (connectors only ever see local files), in bounded
 * batches. ingest/logs.ts is the one loop over them: summarize a batch, commit it (its ledger write),
 * then acknowledge it.
 */
export interface LogSource {
  /** The batches, lazily: a source lists, downloads and cleans up as the loop asks for the next. */
  batches(known: Known): AsyncGenerator<Batch>;
  /** Objects the source named, and those skipped because the lake held them; final once the batches end. */
  readonly counts: SourceCounts;
  /** Why the source stopped early this run (an API that failed); what it fetched before is committed. */
  readonly failure?: string | undefined;
}

export interface SourceCounts {
  files: number;
  already_ingested: number;
}

/** An object ready for a connector: a local path, and the ledger's id (and URI when `path` is a copy). */
export interface SourceObject {
  path: string;
  size: number;
  mtime_ms: number;
  object_id: string;
  /** Where the object came from when `path` is a downloaded copy (s3://bucket/key). */
  uri?: string;
}

/** One ingest batch, within the bounds below. */
export interface Batch {
  objects: SourceObject[];
  /** Called once the batch is committed (its ledger rows written): SQS deletes the messages then. */
  ack(): Promise<void>;
  /**
   * Called when ingesting the batch throws: the smaller batches to try instead (none when the source
   * takes the failure on itself), or undefined to end the run with the error.
   */
  failed?(err: unknown): Batch[] | undefined;
}

/**
 * A batch is what one query parses and folds; its groups (file, day, principal, permission) live in
 * memory until it is written, so batches are bounded: about a million CloudTrail events each keeps
 * peak RSS near 1 GB at any input size.
 */
export const MAX_BATCH_FILES = 5000;
export const MAX_BATCH_BYTES = 128 * 2 ** 20;

/** Local files are hashed this many at a time (core/hash.ts: streamed, 1 MiB each in memory). */
export const PARALLEL_HASHES = 4;

/** Downloads run this many at a time. */
export const PARALLEL_DOWNLOADS = 8;

/**
 * Cuts items into batches within the bounds, keeping their order; `weigh` says how many files and bytes
 * an item brings (an SQS message brings all the objects it names, which stay in one batch).
 */
export function* bounded<T>(items: T[], weigh: (item: T) => { files: number; bytes: number }): Generator<T[]> {
  let batch: T[] = [];
  let files = 0;
  let bytes = 0;
  for (const item of items) {
    const w = weigh(item);
    if (batch.length && (files + w.files > MAX_BATCH_FILES || bytes + w.bytes > MAX_BATCH_BYTES)) {
      yield batch;
      batch = [];
      files = 0;
      bytes = 0;
    }
    batch.push(item);
    files += w.files;
    bytes += w.bytes;
  }
  if (batch.length) yield batch;
}

/** A batch with nothing to do once committed (local paths, S3 prefixes). */
export const batchOf = (objects: SourceObject[]): Batch => ({ objects, ack: async () => {} });
