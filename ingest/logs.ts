import type { SystemConfig } from '../core/config.js';
import type { StageContext } from '../core/context.js';
import { timer } from '../core/log.js';
import { connectorById, type Connector } from '../connectors/index.js';
import { ingestBatch } from './batch.js';
import { Known } from './ledger.js';
import { logSources, type Batch, type LogSource } from './sources/index.js';

export interface LogsReport {
  system: string;
  files: number;
  /** Files skipped because the lake already holds their content. */
  already_ingested: number;
  records: number;
  uses: number;
  summaries: number;
  skipped: Record<string, number>;
  quarantined: Record<string, number>;
  newest_event: string | null;
  /** Sources that failed this run (an API outage, a revoked token), each with its error. */
  failed: string[];
}

/**
 * Ingests a system's new log objects into the lake, source by source (sources/): for each batch of
 * objects the ledger does not hold, summarize it, commit it (the ledger write), then acknowledge it.
 */
export async function ingestLogs(ctx: StageContext, system: string, sys: SystemConfig): Promise<LogsReport> {
  const elapsed = timer();
  const connector = connectorById(sys.connector);
  const report: LogsReport = {
    system, files: 0, already_ingested: 0, records: 0, uses: 0, summaries: 0, skipped: {}, quarantined: {}, newest_event: null,
    failed: [],
  };
  const commit = { ctx, system, sys, connector, report };
  for (const source of logSources(ctx, system, sys)) {
    // Read per source: another worker may have committed objects while the previous source ran.
    const known = await Known.load(ctx, system);
    for await (const batch of source.batches(known)) await commitBatch(commit, known, batch);
    report.files += source.counts.files;
    report.already_ingested += source.counts.already_ingested;
    const { failure } = source as LogSource;
    if (failure) report.failed.push(failure);
  }
  ctx.log.info({ stage: 'ingest', ...report, ms: elapsed() }, 'logs ingested');
  return report;
}

interface Commit {
  ctx: StageContext;
  system: string;
  sys: SystemConfig;
  connector: Connector;
  report: LogsReport;
}

/**
 * Summarizes and commits the batch's objects not known yet (two messages may name one object), then
 * acknowledges it. If it throws, the source may offer smaller batches to try instead.
 */
async function commitBatch(c: Commit, known: Known, batch: Batch): Promise<void> {
  const objects = known.fresh(batch.objects);
  if (objects.length) {
    try {
      await ingestBatch(c.ctx, c.system, c.sys, c.connector, objects, c.report);
    } catch (err) {
      const retry = batch.failed?.(err);
      if (!retry) throw err;
      for (const b of retry) await commitBatch(c, known, b);
      return;
    }
    known.committed(objects);
  }
  await batch.ack();
}
