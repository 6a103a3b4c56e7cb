import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db, sqlString } from '../core/db.js';
import type { EventsQuery } from '../connectors/_shared/define.js';
import { RETRY_AS_TEXT, runEvents } from '../connectors/_shared/retry.js';
import { literalPath, SETUP_SQL } from '../connectors/_shared/sql.js';
import { connectorById } from '../connectors/index.js';
import { filesUnder } from './ingest-company-plain.js';
import { BARE_SQL, VENDORS, vendorFiles, vendorGlob, type Vendor } from './vendors.js';

/**
 * One contender of the per-connector ingest bench (vendors.ts benchVendors), in its own process:
 * `node dist/bench/vendor-child.js <sql|bare|plain> <vendor> <dir>` prints `{"seconds","cpu_s","max_rss_mb","groups"}`.
 * - sql: the connector's SQL (with checkFormat) folded by ingest/summarize.sql, as a batch does (no file hashing
 *   or Parquet);
 * - bare: DuckDB's own reader with typed columns + the same filter and GROUP BY (vendors.ts BARE_SQL);
 * - plain: bench/plain.ts's plainScan, the plain Node script;
 * - tree: bare over every file under <dir> (a generated company's log folder, bench/ingest.ts).
 * With `--profile`, sql and bare also print `cpu` (CPU seconds by what DuckDB's profiler saw: CpuSplit), for
 * where the time goes; profiling slows a query, so those runs are not the timed ones.
 */

/** CPU seconds of a query by operator: reading the files, judging (mapping) each record, grouping and writing. */
export interface CpuSplit {
  read: number;
  judge: number;
  summary: number;
}

interface ProfileNode {
  operator_type?: string;
  operator_timing?: number;
  children?: ProfileNode[];
}

const SUMMARY_OPERATORS = new Set(['HASH_GROUP_BY', 'PERFECT_HASH_GROUP_BY', 'UNGROUPED_AGGREGATE', 'INSERT']);

/** Adds a profile's operator timings to `split`: table scans read, grouping and INSERT summarize, the rest judges. */
function addProfile(split: CpuSplit, node: ProfileNode): void {
  const t = node.operator_timing ?? 0;
  const op = node.operator_type ?? '';
  if (op === 'TABLE_SCAN') split.read += t;
  else if (SUMMARY_OPERATORS.has(op)) split.summary += t;
  else split.judge += t;
  for (const c of node.children ?? []) addProfile(split, c);
}

/** Runs `fn` with DuckDB's JSON profiler on, and adds every statement's operators to `split` (when given). */
async function profiled<T>(db: Db, split: CpuSplit | undefined, fn: () => Promise<T>): Promise<T> {
  if (!split) return fn();
  const out = join(tmpdir(), `lapse-vendor-profile-${process.pid}.json`);
  // A PRAGMA takes no bound parameter: the path is quoted.
  await db.run(`PRAGMA enable_profiling = 'json'; PRAGMA profiling_output = ${sqlString(out)}`);
  try {
    return await fn();
  } finally {
    await db.run('PRAGMA disable_profiling');
    const profile = JSON.parse(readFileSync(out, 'utf8')) as ProfileNode;
    for (const c of profile.children ?? []) addProfile(split, c);
    await rm(out, { force: true });
  }
}

async function connectorSql(vendor: Vendor, dir: string, split?: CpuSplit): Promise<number> {
  const connector = connectorById(vendor);
  const db = await Db.open();
  await db.run(SETUP_SQL);
  const files = await vendorFiles(dir, vendor);
  // As ingest/batch.ts runs it: checkFormat names a dropped record that looks like another vendor's
  // (formats.ts), and files the fast path hands back are read again as text (retry.ts).
  const query = await connector.events({ system: vendor, options: connector.options.parse({}), files, db });
  // Its action slots empty, as ingest/batch.ts fills them for a system without `actions: true`.
  const sql = (name: string) => readFileSync(new URL(`../ingest/${name}`, import.meta.url), 'utf8');
  // Its action slots empty, as ingest/batch.ts fills them for a system without `actions: true`.
  const summarize = sql('summarize.sql').replace(/\{\{action_[a-z]+\}\}/g, '');
  await db.run(sql('batch.sql'));
  const run = async (q: EventsQuery) => {
    await profiled(db, split, () => db.run(`INSERT INTO lapse_batch BY NAME WITH lapse_events AS (${q.sql}) ${summarize}`, q.params));
    return (await db.all<{ file: string }>(sql('batch_retry_files.sql'), { reason: RETRY_AS_TEXT })).map((r) => r.file);
  };
  await runEvents(vendor, query, files, run, (drop) => db.run(sql('batch_drop_files.sql'), { files: drop }));
  const row = await db.one<{ groups: number }>('SELECT count(*)::INTEGER AS groups FROM lapse_batch WHERE NOT g AND drop_reason IS NULL');
  db.close();
  return row?.groups ?? 0;
}

async function bare(vendor: Vendor, dir: string, split?: CpuSplit): Promise<number> {
  return bareOn(vendor, vendorGlob(dir, vendor), split);
}

/** bare over every file under `dir` (a company's log folder, as delivered: bench/ingest.ts). */
async function tree(vendor: Vendor, dir: string): Promise<number> {
  return bareOn(vendor, (await filesUnder(dir)).map(literalPath));
}

async function bareOn(vendor: Vendor, files: string | string[], split?: CpuSplit): Promise<number> {
  const db = await Db.open();
  const row = await profiled(db, split, () =>
    db.one<{ groups: number }>(`SELECT groups::INTEGER AS groups FROM (${BARE_SQL[vendor]})`, { glob: files }));
  db.close();
  return row?.groups ?? 0;
}

async function plain(vendor: Vendor, dir: string): Promise<number> {
  const mod = (await import(new URL('./plain.js', import.meta.url).href)) as { plainScan: (v: string, files: string[]) => unknown };
  const out = await mod.plainScan(vendor, await vendorFiles(dir, vendor));
  return typeof out === 'number' ? out : out instanceof Map ? out.size : -1;
}

const [, , mode, vendor, dir, flag] = process.argv;
if (!VENDORS.includes(vendor as Vendor) || !dir) throw new Error(`usage: vendor-child.js <sql|bare|plain|tree> <${VENDORS.join('|')}> <dir> [--profile]`);
const modes: Record<string, (v: Vendor, d: string, split?: CpuSplit) => Promise<number>> = { sql: connectorSql, bare, plain, tree };
const run = modes[mode ?? ''];
if (!run) throw new Error(`unknown mode ${mode}; known: ${Object.keys(modes).join(', ')}`);
const split: CpuSplit | undefined = flag === '--profile' ? { read: 0, judge: 0, summary: 0 } : undefined;
const start = process.hrtime.bigint();
const groups = await run(vendor as Vendor, dir, split);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const usage = process.resourceUsage();
// CPU seconds (user + system, all threads) as well: on a busy machine they vary less than wall time.
const cpu_s = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
process.stdout.write(`${JSON.stringify({ seconds, cpu_s, max_rss_mb: Math.round(usage.maxRSS / 1024), groups, ...(split ? { cpu: split } : {}) })}\n`);
