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

/** The ids the ledger holds (loadLedger reads again when a compaction changed it meanwhile). */
export async function loadLedgerRetrying(ctx: StageContext, system: string): Promise<Set<string>> {
  return (await loadLedger(ctx, system)).ids;
}
