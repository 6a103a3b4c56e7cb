import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { SystemConfig } from '../core/config.js';
import { resolvePath } from '../core/config.js';
import type { StageContext } from '../core/context.js';
import { sqlFile, sqlString } from '../core/db.js';
import { sha256File, shortId } from '../core/hash.js';
import { layout } from '../core/layout.js';
import { messageOf } from '../core/errors.js';
import { connectorById, type Connector } from '../connectors/index.js';
import { checkFormat } from '../connectors/_shared/formats.js';
import { brokenGzip } from '../connectors/_shared/gzip.js';
import { expandPath, type LocalFile } from './files.js';
import { loadLedger, statKey } from './ledger.js';
import { ingestRemote } from './sources/index.js';

const SUMMARIZE = sqlFile(import.meta.url, 'summarize.sql');
/**
 * A batch is what one query parses and folds; its groups (file, day, principal, permission) live in
 * memory until it is written, so batches are bounded: about a million CloudTrail events each keeps
 * peak RSS near 1 GB at any input size.
 */
const MAX_BATCH_FILES = 1000;
const MAX_BATCH_BYTES = 128 * 2 ** 20;

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
}

interface NewObject extends LocalFile {
  object_id: string;
  /** Where the object came from when `path` is a downloaded copy (s3://bucket/key). */
  uri?: string;
}

/** Ingests a system's new log files into the lake: daily summaries, quarantine, then the ledger. */
export async function ingestLogs(ctx: StageContext, system: string, sys: SystemConfig): Promise<LogsReport> {
  const connector = connectorById(sys.connector);
  const report: LogsReport = {
    system, files: 0, already_ingested: 0, records: 0, uses: 0, summaries: 0, skipped: {}, quarantined: {}, newest_event: null,
  };
  const paths = sys.logs.flatMap((l) => (l.path === undefined ? [] : [resolvePath(ctx.config, l.path)]));
  const files = (await Promise.all(paths.map(expandPath))).flat();
  report.files = files.length;
  const listed = performance.now();
  const fresh = await newObjects(ctx, system, files);
  ctx.log.debug({ stage: 'ingest', system, files: files.length, identify_ms: Math.round(performance.now() - listed) }, 'objects identified');
  report.already_ingested = files.length - fresh.length;
  let done = 0;
  ctx.progress?.({ stage: 'ingest', label: system, done, total: fresh.length, unit: 'files' });
  for (const batch of batches(fresh)) {
    await ingestBatch(ctx, system, sys, connector, batch, report);
    done += batch.length;
    ctx.progress?.({ stage: 'ingest', label: system, done, total: fresh.length, unit: 'files' });
  }
  // s3 prefixes and sqs queues download objects and commit them batch by batch, like the files above.
  const sink = { commit: (objects: NewObject[]) => ingestBatch(ctx, system, sys, connector, objects, report), maxFiles: MAX_BATCH_FILES, maxBytes: MAX_BATCH_BYTES };
  for (const source of sys.logs.filter((l) => l.path === undefined)) {
    const remote = await ingestRemote(ctx, system, source, sink);
    report.files += remote.files;
    report.already_ingested += remote.already_ingested;
  }
  ctx.log.info({ stage: 'ingest', ...report }, 'logs ingested');
  return report;
}

/** Files whose content the lake does not hold yet (content-addressed, so a copied file is not new). */
async function newObjects(ctx: StageContext, system: string, files: LocalFile[]): Promise<NewObject[]> {
  const ledger = await loadLedger(ctx, system);
  const seen = new Set<string>();
  const out: NewObject[] = [];
  for (const f of files) {
    const id = ledger.byStat.get(statKey(f.path, f.size, f.mtime_ms)) ?? `sha256:${await sha256File(f.path)}`;
    if (ledger.ids.has(id) || seen.has(id)) continue;
    seen.add(id);
    out.push({ ...f, object_id: id });
  }
  return out;
}

function* batches(objects: NewObject[]): Generator<NewObject[]> {
  let batch: NewObject[] = [];
  let bytes = 0;
  for (const o of objects) {
    if (batch.length && (batch.length >= MAX_BATCH_FILES || bytes + o.size > MAX_BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(o);
    bytes += o.size;
  }
  if (batch.length) yield batch;
}

async function ingestBatch(
  ctx: StageContext,
  system: string,
  sys: SystemConfig,
  connector: Connector,
  objects: NewObject[],
  report: LogsReport,
): Promise<void> {
  const started = performance.now();
  const { db, lake } = ctx;
  const batchId = shortId('b', ...objects.map((o) => o.object_id).sort());
  const paths = objects.map((o) => o.path);
  await db.run(`CREATE OR REPLACE TEMP TABLE lapse_batch (${BATCH_COLUMNS})`);
  // A broken .gz would be read up to its cut without a word: it is quarantined whole instead. The check
  // inflates on libuv's threads while the engine parses on its own, and drops what the engine read of it.
  const checked = brokenGzip(paths);
  const failed = await summarize(ctx, system, connector, connector.options.parse(sys), paths);
  const broken = await checked;
  if (broken.size) await db.run('DELETE FROM lapse_batch WHERE list_contains($files, file)', { files: [...broken.keys()] });
  const unreadable = [...broken, ...failed.filter(([file]) => !broken.has(file))];
  for (const [file, error] of unreadable) {
    ctx.log.warn({ stage: 'ingest', system, file, error }, 'unreadable file quarantined');
    await db.run(
      `INSERT INTO lapse_batch (file, drop_reason, quarantine, g, n) VALUES ($file, $reason, true, false, 1), ($file, NULL, false, true, 1)`,
      { file, reason: `unreadable_file: ${error}` },
    );
  }
  await db.run(
    `CREATE OR REPLACE TEMP TABLE lapse_batch_objects AS
     SELECT unnest($paths) AS file, unnest($uris) AS uri, unnest($ids) AS object_id, unnest($sizes)::BIGINT AS size,
            unnest($mtimes)::BIGINT AS mtime_ms`,
    {
      paths,
      uris: objects.map((o) => o.uri ?? o.path),
      ids: objects.map((o) => o.object_id),
      sizes: objects.map((o) => String(o.size)),
      mtimes: objects.map((o) => String(o.mtime_ms)),
    },
  );
  const parsed = performance.now();
  const scratch = await lake.scratch();
  report.summaries += await writeUsage(ctx, system, batchId, scratch);
  await writeQuarantine(ctx, system, batchId, connector, report);
  await writeLedger(ctx, system, batchId, scratch, report);
  ctx.log.debug(
    { stage: 'ingest', system, batch: batchId, files: objects.length, parse_ms: Math.round(parsed - started), write_ms: Math.round(performance.now() - parsed) },
    'batch ingested',
  );
}

/** The columns summarize.sql produces, so a batch can be filled in parts. */
const BATCH_COLUMNS = `file VARCHAR, day DATE, principal VARCHAR, permission VARCHAR, drop_reason VARCHAR, quarantine BOOLEAN,
  q_ord BIGINT, q_sub BIGINT, q_raw VARCHAR, g BOOLEAN, n BIGINT, first_seen TIMESTAMPTZ, last_seen TIMESTAMPTZ, min_ord BIGINT`;

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
): Promise<[string, string][]> {
  const query = checkFormat(connector.id, await connector.events({ system, options, files: paths, db: ctx.db }));
  try {
    await ctx.db.run(`INSERT INTO lapse_batch BY NAME WITH lapse_events AS (${query.sql}) ${SUMMARIZE}`, query.params);
    return [];
  } catch (err) {
    if (paths.length === 1) return [[paths[0]!, messageOf(err).split('\n')[0]!]];
  } finally {
    await query.cleanup?.();
  }
  const half = Math.ceil(paths.length / 2);
  return [
    ...(await summarize(ctx, system, connector, options, paths.slice(0, half))),
    ...(await summarize(ctx, system, connector, options, paths.slice(half))),
  ];
}

/** Daily summaries, one Parquet shard per (system, day) partition, named after the batch. */
async function writeUsage(ctx: StageContext, system: string, batchId: string, scratch: string): Promise<number> {
  const dir = join(scratch, 'usage');
  const rows = await ctx.db.run(
    `COPY (
       SELECT $system AS system, b.day, b.principal, b.permission, o.object_id AS source,
              sum(b.n)::BIGINT AS uses, min(b.first_seen) AS first_seen, max(b.last_seen) AS last_seen
       FROM lapse_batch b JOIN lapse_batch_objects o USING (file)
       WHERE NOT b.g AND b.drop_reason IS NULL
       GROUP BY ALL
     ) TO ${sqlString(dir)} (FORMAT parquet, PARTITION_BY (system, day), FILENAME_PATTERN ${sqlString(`${batchId}_{i}`)})`,
    { system },
  );
  if (rows === 0) return 0;
  for (const file of await readdir(dir, { recursive: true })) {
    if (!file.endsWith('.parquet')) continue;
    await ctx.lake.putFile(`${layout.usage}${relative('', file).split(sep).join('/')}`, join(dir, file));
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
  const rows = await ctx.db.all<QuarantineRow>(
    `SELECT b.file, (b.q_ord - t.min_ord + 1)::BIGINT AS rec, b.q_sub AS sub, split_part(b.drop_reason, ': ', 1) AS reason,
            nullif(b.drop_reason[length(split_part(b.drop_reason, ': ', 1)) + 3:], '') AS detail, b.n AS count, b.q_raw AS raw, o.object_id, o.uri
     FROM lapse_batch b
     JOIN (SELECT file, min_ord FROM lapse_batch WHERE g) t ON t.file = b.file
     JOIN lapse_batch_objects o ON o.file = b.file
     WHERE NOT b.g AND b.quarantine
     ORDER BY b.file, rec NULLS LAST, sub NULLS FIRST, reason`,
  );
  // Counted in reason order, so equal counts list the same way whatever the records' order.
  for (const r of [...rows].sort((a, b) => (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0))) {
    report.quarantined[r.reason] = (report.quarantined[r.reason] ?? 0) + r.count;
  }
  for (const r of await ctx.db.all<{ reason: string; n: number }>(
    `SELECT split_part(drop_reason, ': ', 1) AS reason, sum(n)::BIGINT AS n
     FROM lapse_batch WHERE NOT g AND drop_reason IS NOT NULL AND NOT quarantine GROUP BY 1`,
  )) {
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
  await ctx.db.run(
    `COPY (
       SELECT o.object_id, o.uri, o.size, o.mtime_ms, $batch AS batch,
              coalesce(t.n, 0)::BIGINT AS records,
              coalesce(u.uses, 0)::BIGINT AS uses,
              coalesce(u.dropped, 0)::BIGINT AS dropped,
              t.first_seen, t.last_seen
       FROM lapse_batch_objects o
       LEFT JOIN (SELECT file, n, first_seen, last_seen FROM lapse_batch WHERE g) t USING (file)
       LEFT JOIN (SELECT file, sum(n) FILTER (WHERE drop_reason IS NULL) AS uses,
                         sum(n) FILTER (WHERE drop_reason IS NOT NULL) AS dropped
                  FROM lapse_batch WHERE NOT g GROUP BY file) u USING (file)
       ORDER BY o.object_id
     ) TO ${sqlString(file)} (FORMAT parquet)`,
    { batch: batchId },
  );
  const totals = await ctx.db.one<{ records: number; uses: number; newest: string | null }>(
    `SELECT sum(records)::BIGINT AS records, sum(uses)::BIGINT AS uses, max(last_seen)::VARCHAR AS newest
     FROM read_parquet($file)`,
    { file },
  );
  report.records += totals?.records ?? 0;
  report.uses += totals?.uses ?? 0;
  if (totals?.newest && (!report.newest_event || totals.newest > report.newest_event)) report.newest_event = totals.newest;
  await ctx.lake.putFile(layout.objectsBatch(system, batchId), file);
}
