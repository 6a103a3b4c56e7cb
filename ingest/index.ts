/**
 * ingest: reads logs (local files, directories, globs, .gz), grants snapshots and the directory;
 * writes daily usage summaries, snapshots, the quarantine and the object ledger to the lake.
 */
import type { StageContext } from '../core/context.js';
import type { Day } from '../core/days.js';
import { UsageError } from '../core/errors.js';
import { SETUP_SQL } from '../connectors/index.js';
import { ingestLogs, type LogsReport } from './logs.js';
import { snapshotDirectory, snapshotDirectoryHistory, snapshotGrants, type SnapshotReport } from './snapshots.js';

export type { LogsReport } from './logs.js';
export type { SnapshotReport } from './snapshots.js';

export interface IngestReport {
  logs: LogsReport[];
  snapshots: SnapshotReport[];
}

/** Ingests every configured system (or only `only`), then the directory; `day` dates the snapshots. */
export async function ingest(ctx: StageContext, day: Day, only?: string): Promise<IngestReport> {
  const systems = Object.entries(ctx.config.systems).filter(([name]) => !only || name === only);
  if (only && systems.length === 0) {
    throw new UsageError(`--source ${only}: no such system; configured: ${Object.keys(ctx.config.systems).join(', ')}`);
  }
  await ctx.db.run(SETUP_SQL);
  const report: IngestReport = { logs: [], snapshots: [] };
  for (const [name, sys] of systems) {
    report.logs.push(await ingestLogs(ctx, name, sys));
    report.snapshots.push(await snapshotGrants(ctx, name, sys, day));
  }
  report.snapshots.push(...(await snapshotDirectoryHistory(ctx, day)), await snapshotDirectory(ctx, day));
  return report;
}
