import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Db } from '../core/db.js';
import { main } from '../cli/main.js';
import { readConfig } from '../cli/config.js';
import { loadAsOf } from '../aggregate/index.js';
import { detect } from '../detect/index.js';
import { createLogger } from '../core/log.js';
import { LocalLake } from '../core/store.js';
import { BENCH_AS_OF } from './detect-data.js';
import { awsCloudtrail } from '../connectors/aws_cloudtrail/connector.js';
import { SETUP_SQL } from '../connectors/_shared/sql.js';

/**
 * One measured contender, run in its own process so peak RSS is its own:
 * `node dist/bench/child.js <lapse|lapse-sql|duckdb|naive|detect> <arg>` prints `{"seconds","max_rss_mb","groups"}`.
 */

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.json.gz'))
    .sort()
    .map((f) => join(dir, f));
}

async function lapseIngest(config: string): Promise<number> {
  const code = await main(['node', 'lapse', 'ingest', '--config', config, '--as-of', '2026-04-01']);
  if (code !== 0) throw new Error(`lapse ingest exited ${code}`);
  return -1;
}

/** lapse's engine part alone: the connector's SQL folded by ingest/summarize.sql, no file I/O around it. */
async function lapseSql(dir: string): Promise<number> {
  const db = await Db.open();
  await db.run(SETUP_SQL);
  const query = await awsCloudtrail.events({ system: 'aws', options: { include_read_only: true }, files: files(dir), db });
  const summarize = readFileSync(new URL('../ingest/summarize.sql', import.meta.url), 'utf8');
  await db.run(`CREATE TEMP TABLE b AS WITH lapse_events AS (${query.sql}) ${summarize}`, query.params);
  const row = await db.one<{ groups: number }>('SELECT count(*) AS groups FROM b WHERE NOT g AND drop_reason IS NULL');
  db.close();
  return row?.groups ?? 0;
}

/** detect on a generated lake (bench/detect-data.ts): loadAsOf (folds the rollup) + detect; phase times. */
async function detectRun(dir: string): Promise<number> {
  const config = await readConfig(join(dir, 'lapse.json'));
  const db = await Db.open({
    ...(config.engine.memory_limit && { memoryLimit: config.engine.memory_limit }),
    tempDir: join(dir, 'duckdb-tmp'),
  });
  const ctx = { config, db, lake: new LocalLake(join(dir, 'lake')), log: createLogger(process.env['LAPSE_LOG_LEVEL'] ?? 'warn') };
  const t0 = performance.now();
  const tables = await loadAsOf(ctx, BENCH_AS_OF);
  const t1 = performance.now();
  const detection = await detect(ctx, tables);
  const t2 = performance.now();
  const findings = detection.counts.reduce((a, c) => a + c.n, 0);
  phases = { load_s: (t1 - t0) / 1000, detect_s: (t2 - t1) / 1000, grants: tables.grants, findings, last_use: tables.last_use };
  db.close();
  return findings;
}

let phases: Record<string, unknown> = {};

/** Bare DuckDB: its own JSON reader, typed columns, unnest, GROUP BY — no mapping, no quarantine. */
async function duckdb(dir: string): Promise<number> {
  const db = await Db.open();
  const row = await db.one<{ groups: number }>(
    `SELECT count(*) AS groups FROM (
       SELECT r.eventTime::TIMESTAMPTZ::DATE AS day, r.userIdentity.arn AS arn, count(*) AS uses
       FROM (SELECT unnest(Records) AS r FROM read_json($glob, format = 'auto',
             columns = {Records: 'STRUCT(eventTime VARCHAR, userIdentity STRUCT(arn VARCHAR), errorCode VARCHAR)[]'}))
       WHERE r.errorCode IS NULL
       GROUP BY ALL)`,
    { glob: join(dir, '**/*.json.gz') },
  );
  db.close();
  return row?.groups ?? 0;
}

/** The naive Node way: gunzip, JSON.parse, loop, count in a Map. */
function naive(dir: string): number {
  const counts = new Map<string, number>();
  for (const file of files(dir)) {
    const doc = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { Records: Record<string, unknown>[] };
    for (const r of doc.Records) {
      if (r['errorCode']) continue;
      const arn = (r['userIdentity'] as { arn?: string } | undefined)?.arn ?? '';
      const key = `${String(r['eventTime']).slice(0, 10)}|${arn}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts.size;
}

const [, , which, arg] = process.argv;
const start = process.hrtime.bigint();
const run: Record<string, (arg: string) => Promise<number> | number> = {
  lapse: lapseIngest, 'lapse-sql': lapseSql, duckdb, naive, detect: detectRun,
};
const groups = await run[which!]!(arg!);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(`${JSON.stringify({ seconds, max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), groups, ...phases })}\n`);
