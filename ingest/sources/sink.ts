import type { StageContext } from '../../core/context.js';
import { loadLedger } from '../ledger.js';
import type { FetchedObject } from './s3.js';

/** Where a remote source delivers downloaded objects: one call is one ingest batch, committed by its ledger write. */
export interface Sink {
  commit(objects: FetchedObject[]): Promise<void>;
  /** Bounds of one batch (files, bytes), as the local path uses. */
  maxFiles: number;
  maxBytes: number;
}

export interface RemoteReport {
  /** Objects the source named. */
  files: number;
  /** Objects skipped because the ledger already holds them. */
  already_ingested: number;
}

/** Downloads run this many at a time. */
export const PARALLEL_DOWNLOADS = 8;

/**
 * The ids the ledger holds. Another worker's compaction may remove a ledger file between the listing
 * and the read (its rows are in the merged file by then), so a failed read is retried on a fresh listing.
 */
export async function loadLedgerRetrying(ctx: StageContext, system: string): Promise<Set<string>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await loadLedger(ctx, system)).ids;
    } catch (err) {
      if (attempt >= 3) throw err;
      ctx.log.debug({ stage: 'ingest', system, attempt, err }, 'ledger changed while read; reading again');
    }
  }
}
