import { readFileSync } from 'node:fs';
import { Db } from '../core/db.js';
import type { EventsQuery } from '../connectors/_shared/define.js';
import { RETRY_AS_TEXT, runEvents } from '../connectors/_shared/retry.js';
import { SETUP_SQL } from '../connectors/_shared/sql.js';
import { connectorById } from '../connectors/index.js';
import { BARE_SQL, VENDORS, vendorFiles, vendorGlob, type Vendor } from './vendors.js';

/**
 * One contender of the per-connector ingest bench (vendors.ts benchVendors), in its own process:
 * `node dist/bench/vendor-child.js <sql|bare|plain> <vendor> <dir>` prints `{"seconds","cpu_s","max_rss_mb","groups"}`.
 * - sql: the connector's SQL (with checkFormat) folded by ingest/summarize.sql, as a batch does (no file hashing
 *   or Parquet);
 * - bare: DuckDB's own reader with typed columns + the same filter and GROUP BY (vendors.ts BARE_SQL);
 * - plain: bench/plain.ts's plainScan, the plain Node script.
 */

async function connectorSql(vendor: Vendor, dir: string): Promise<number> {
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
    await db.run(`INSERT INTO lapse_batch BY NAME WITH lapse_events AS (${q.sql}) ${summarize}`, q.params);
    return (await db.all<{ file: string }>(sql('batch_retry_files.sql'), { reason: RETRY_AS_TEXT })).map((r) => r.file);
  };
  await runEvents(vendor, query, files, run, (drop) => db.run(sql('batch_drop_files.sql'), { files: drop }));
  const row = await db.one<{ groups: number }>('SELECT count(*)::INTEGER AS groups FROM lapse_batch WHERE NOT g AND drop_reason IS NULL');
  db.close();
  return row?.groups ?? 0;
}

async function bare(vendor: Vendor, dir: string): Promise<number> {
  const db = await Db.open();
  const row = await db.one<{ groups: number }>(`SELECT groups::INTEGER AS groups FROM (${BARE_SQL[vendor]})`, { glob: vendorGlob(dir, vendor) });
  db.close();
  return row?.groups ?? 0;
}

async function plain(vendor: Vendor, dir: string): Promise<number> {
  const mod = (await import(new URL('./plain.js', import.meta.url).href)) as { plainScan: (v: string, files: string[]) => unknown };
  const out = await mod.plainScan(vendor, await vendorFiles(dir, vendor));
  return typeof out === 'number' ? out : out instanceof Map ? out.size : -1;
}

const [, , mode, vendor, dir] = process.argv;
if (!VENDORS.includes(vendor as Vendor) || !dir) throw new Error(`usage: vendor-child.js <sql|bare|plain> <${VENDORS.join('|')}> <dir>`);
const modes: Record<string, (v: Vendor, d: string) => Promise<number>> = { sql: connectorSql, bare, plain };
const run = modes[mode ?? ''];
if (!run) throw new Error(`unknown mode ${mode}; known: ${Object.keys(modes).join(', ')}`);
const start = process.hrtime.bigint();
const groups = await run(vendor as Vendor, dir);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const usage = process.resourceUsage();
// CPU seconds (user + system, all threads) as well: on a busy machine they vary less than wall time.
const cpu_s = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
process.stdout.write(`${JSON.stringify({ seconds, cpu_s, max_rss_mb: Math.round(usage.maxRSS / 1024), groups })}\n`);
