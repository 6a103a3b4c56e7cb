import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { SystemConfig } from '../core/config.js';
import type { StageContext } from '../core/context.js';
import { sqlFile, sqlString, type Params } from '../core/db.js';
import { shortId } from '../core/hash.js';
import { layout } from '../core/layout.js';
import { messageOf } from '../core/errors.js';
import type { Connector } from '../connectors/index.js';
import type { EventsQuery } from '../connectors/_shared/define.js';
import { actionMapper } from '../connectors/actions.js';
import { RETRY_AS_TEXT, runEvents } from '../connectors/_shared/retry.js';
import { brokenGzip } from '../connectors/_shared/gzip.js';
import type { LogsReport } from './logs.js';
import type { SourceObject } from './sources/index.js';

const SUMMARIZE = sqlFile(import.meta.url, 'summarize.sql');

const SQL = {
  batch: sqlFile(import.meta.url, 'batch.sql'),
  summarize: summarizeSql(false),
  summarizeActions: summarizeSql(true),
  actionsBatch: sqlFile(import.meta.url, 'actions_batch.sql'),
  actionsSplit: sqlFile(import.meta.url, 'actions_split.sql'),
  actionsDropFiles: sqlFile(import.meta.url, 'actions_drop_files.sql'),
  actionsDistinct: sqlFile(import.meta.url, 'actions_distinct.sql'),
  actions: sqlFile(import.meta.url, 'actions.sql'),
  actionsUnique: sqlFile(import.meta.url, 'actions_unique.sql'),
  dropFiles: sqlFile(import.meta.url, 'batch_drop_files.sql'),
  retryFiles: sqlFile(import.meta.url, 'batch_retry_files.sql'),
  unreadable: sqlFile(import.meta.url, 'batch_unreadable.sql'),
  objects: sqlFile(import.meta.url, 'batch_objects.sql'),
  usage: sqlFile(import.meta.url, 'usage.sql'),
  quarantine: sqlFile(import.meta.url, 'quarantine.sql'),
  skipped: sqlFile(import.meta.url, 'skipped.sql'),
  ledger: sqlFile(import.meta.url, 'ledger.sql'),
  ledgerTotals: sqlFile(import.meta.url, 'ledger_totals.sql'),
};

/** summarize.sql, with its action slots filled (a system with `actions: true`) or empty. */
function summarizeSql(actions: boolean): string {
  const slots: Record<string, string> = actions
    ? {
        action_column: 'action, ',
        action_input: 'CASE WHEN drop_reason IS NULL THEN action END AS action, ',
        action_key: 'action, ',
      }
    : { action_column: '', action_input: '', action_key: '' };
  return SUMMARIZE.replace(/\{\{(\w+)\}\}/g, (_, name: string) => slots[name]!);
}

/**
 * Ingests one batch of objects: the connector's events folded by summarize.sql into `lapse_batch` (and,
 * with `actions: true`, `lapse_batch_actions`), then the daily summaries, the quarantine and, last, the
 * ledger rows (the commit point).
 */
export async function ingestBatch(
  ctx: StageContext,
  system: string,
  sys: SystemConfig,
  connector: Connector,
  objects: SourceObject[],
  report: LogsReport,
): Promise<void> {
  const started = performance.now();
  const { db, lake } = ctx;
  const batchId = shortId('b', ...objects.map((o) => o.object_id).sort());
  const paths = objects.map((o) => o.path);
  const actions = sys.actions === true;
  await db.run(SQL.batch);
  if (actions) await db.run(SQL.actionsBatch);
  // A broken .gz would be read up to its cut without a word: it is quarantined whole instead. The check
  // inflates on libuv's threads while the engine parses on its own, and drops what the engine read of it.
  const checked = brokenGzip(paths);
  const failed = await summarize(ctx, system, connector, connector.options.parse(sys), paths, actions);
  const broken = await checked;
  if (broken.size) await db.run(SQL.dropFiles, { files: [...broken.keys()] });
  if (broken.size && actions) await db.run(SQL.actionsDropFiles, { files: [...broken.keys()] });
  const unreadable = [...broken, ...failed.filter(([file]) => !broken.has(file))];
  for (const [file, error] of unreadable) {
    ctx.log.warn({ stage: 'ingest', system, file, error }, 'unreadable file quarantined');
    await db.run(SQL.unreadable, { file, reason: `unreadable_file: ${error}` });
  }
  await db.run(SQL.objects, {
    paths,
    uris: objects.map((o) => o.uri ?? o.path),
    ids: objects.map((o) => o.object_id),
    sizes: objects.map((o) => String(o.size)),
    mtimes: objects.map((o) => String(o.mtime_ms)),
  });
  const parsed = performance.now();
  const scratch = await lake.scratch();
  report.summaries += await writeUsage(ctx, system, batchId, scratch);
  if (actions) await writeActions(ctx, system, batchId, connector, scratch);
  await writeQuarantine(ctx, system, batchId, connector, report);
  await writeLedger(ctx, system, batchId, scratch, report);
  ctx.log.debug(
    { stage: 'ingest', system, batch: batchId, files: objects.length, parse_ms: Math.round(parsed - started), write_ms: Math.round(performance.now() - parsed) },
    'batch ingested',
  );
}

/**
 * Runs the connector over the files into `lapse_batch`. A file the engine cannot read at all (corrupt
 * gzip, unreadable) fails the whole query, so on failure the files are split in halves until the bad
 * ones are alone; those are returned with their error, to be quarantined, and the rest is ingested.
 */
async function summarize(
  ctx: StageContext,
  system: string,
  connector: Connector,
  options: Record<string, unknown>,
  paths: string[],
  actions: boolean,
): Promise<[string, string][]> {
  const { db } = ctx;
  const query = await connector.events({ system, options, files: paths, db });
  const run = async (q: EventsQuery) => {
    if (actions) {
      await db.run(`CREATE OR REPLACE TEMP TABLE lapse_batch_summary AS WITH lapse_events AS (${q.sql}) ${SQL.summarizeActions}`, q.params);
      await db.run(SQL.actionsSplit);
    } else {
      await db.run(`INSERT INTO lapse_batch BY NAME WITH lapse_events AS (${q.sql}) ${SQL.summarize}`, q.params);
    }
    if (!q.text) return [];
    return (await db.all<{ file: string }>(SQL.retryFiles, { reason: RETRY_AS_TEXT })).map((r) => r.file);
  };
  const forget = async (files: string[]) => {
    await db.run(SQL.dropFiles, { files });
    if (actions) await db.run(SQL.actionsDropFiles, { files });
  };
  try {
    await runEvents(connector.id, query, paths, run, forget);
    return [];
  } catch (err) {
    if (paths.length === 1) return [[paths[0]!, messageOf(err).split('\n')[0]!]];
  }
  const half = Math.ceil(paths.length / 2);
  return [
    ...(await summarize(ctx, system, connector, options, paths.slice(0, half), actions)),
    ...(await summarize(ctx, system, connector, options, paths.slice(half), actions)),
  ];
}

/** Daily summaries, one Parquet shard per (system, day) partition, named after the batch. */
async function writeUsage(ctx: StageContext, system: string, batchId: string, scratch: string): Promise<number> {
  return writeDaily(ctx, SQL.usage, { system }, join(scratch, 'usage'), layout.usage, batchId);
}

/**
 * Daily action summaries, sharded as usage is: the batch's distinct actions as logged, named by the
 * connector's mapper (connectors/actions.ts) in a bound table `lapse_action_map`, then actions.sql.
 */
async function writeActions(ctx: StageContext, system: string, batchId: string, connector: Connector, scratch: string): Promise<number> {
  const raw = (await ctx.db.all<{ action: string }>(SQL.actionsDistinct)).map((r) => r.action);
  const map = await actionMapper(connector.id)(raw);
  await ctx.db.tableFromRows('lapse_action_map', { raw: 'VARCHAR', action: 'VARCHAR', iam: 'BOOLEAN' }, map);
  // When no two actions as logged share a name (nor one names several), the use groups need no second fold.
  const unique = new Set(map.map((m) => m.action)).size === map.length && map.length === raw.length;
  return writeDaily(ctx, unique ? SQL.actionsUnique : SQL.actions, { system }, join(scratch, 'actions'), layout.actions, batchId);
}

/** COPYs `sql` partitioned by (system, day) to `dir`, then puts each shard under `prefix` in the lake. */
async function writeDaily(ctx: StageContext, sql: string, params: Params, dir: string, prefix: string, batchId: string): Promise<number> {
  const rows = await ctx.db.run(
    `COPY (${sql}) TO ${sqlString(dir)} (FORMAT parquet, PARTITION_BY (system, day), FILENAME_PATTERN ${sqlString(`${batchId}_{i}`)})`,
    params,
  );
  if (rows === 0) return 0;
  for (const file of await readdir(dir, { recursive: true })) {
    if (!file.endsWith('.parquet')) continue;
    await ctx.lake.putFile(`${prefix}${relative('', file).split(sep).join('/')}`, join(dir, file));
  }
  return rows;
}

interface QuarantineRow {
  file: string;
  rec: number | null;
  sub: number | null;
  reason: string;
  detail: string | null;
  count: number;
  raw: string | null;
  object_id: string;
  uri: string;
}

/** Malformed records, with where they came from and why, as JSON lines anyone can read. */
async function writeQuarantine(
  ctx: StageContext,
  system: string,
  batchId: string,
  connector: Connector,
  report: LogsReport,
): Promise<void> {
  const rows = await ctx.db.all<QuarantineRow>(SQL.quarantine);
  // Counted in reason order, so equal counts list the same way whatever the records' order.
  for (const r of [...rows].sort((a, b) => (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0))) {
    report.quarantined[r.reason] = (report.quarantined[r.reason] ?? 0) + r.count;
  }
  for (const r of await ctx.db.all<{ reason: string; n: number }>(SQL.skipped)) {
    report.skipped[r.reason] = (report.skipped[r.reason] ?? 0) + r.n;
  }
  if (rows.length === 0) return;
  await fillRawText(connector, rows);
  const lines = rows.map((r) =>
    JSON.stringify({
      system, object: r.uri, object_id: r.object_id, record: r.rec, sub: r.sub, reason: r.reason, detail: r.detail, count: r.count,
      raw: r.raw,
    }),
  );
  await ctx.lake.writeText(layout.quarantineBatch(system, batchId), `${lines.join('\n')}\n`);
}

/** Records the engine could not parse have no text yet: the connector reads them back from the file. */
async function fillRawText(connector: Connector, rows: QuarantineRow[]): Promise<void> {
  const byFile = new Map<string, QuarantineRow[]>();
  for (const r of rows) {
    if (r.raw !== null || r.rec === null || r.sub !== null) continue;
    byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  }
  for (const [file, list] of byFile) {
    const texts = await connector.readRecords(file, list.map((r) => r.rec!));
    for (const r of list) r.raw = texts.get(r.rec!)?.slice(0, 65536) ?? null;
  }
}

/** The commit point: once an object is in the ledger, its summaries are visible and it is never re-read. */
async function writeLedger(
  ctx: StageContext,
  system: string,
  batchId: string,
  scratch: string,
  report: LogsReport,
): Promise<void> {
  const file = join(scratch, 'objects.parquet');
  await ctx.db.run(`COPY (${SQL.ledger}) TO ${sqlString(file)} (FORMAT parquet)`, { batch: batchId });
  const totals = await ctx.db.one<{ records: number; uses: number; newest: string | null }>(SQL.ledgerTotals, { file });
  report.records += totals?.records ?? 0;
  report.uses += totals?.uses ?? 0;
  if (totals?.newest && (!report.newest_event || totals.newest > report.newest_event)) report.newest_event = totals.newest;
  await ctx.lake.putFile(layout.objectsBatch(system, batchId), file);
}
