/**
 * aggregate: reads the lake's daily summaries, object ledger and snapshots; writes compacted
 * partitions back, and loads the as-of tables detect reads (last use per grant, source coverage).
 */
import type { StageContext } from '../core/context.js';
import type { Day } from '../core/days.js';
import { sqlFile, sqlString } from '../core/db.js';
import { StoreError } from '../core/errors.js';
import { layout } from '../core/layout.js';
import type { Lake } from '../core/store.js';

export { compact, type CompactReport } from './compact.js';

const LOAD = sqlFile(import.meta.url, 'load.sql');
const HISTORY = sqlFile(import.meta.url, 'history.sql');

/** Empty relations with the lake's column types, for a lake that has no files of a kind yet. */
const EMPTY = {
  usage: `SELECT NULL::VARCHAR AS system, NULL::DATE AS day, NULL::VARCHAR AS principal, NULL::VARCHAR AS permission,
          NULL::VARCHAR AS source, NULL::BIGINT AS uses WHERE false`,
  objects: `SELECT NULL::VARCHAR AS system, NULL::VARCHAR AS object_id, NULL::TIMESTAMPTZ AS first_seen,
            NULL::TIMESTAMPTZ AS last_seen WHERE false`,
  grants: `SELECT NULL::VARCHAR AS system, NULL::DATE AS day, NULL::VARCHAR AS principal, NULL::VARCHAR AS permission,
           NULL::DATE AS granted_at, NULL::VARCHAR AS via WHERE false`,
  people: `SELECT NULL::DATE AS day, NULL::VARCHAR AS id, NULL::VARCHAR AS email, NULL::VARCHAR AS team,
           NULL::VARCHAR AS manager, NULL::VARCHAR AS status, NULL::STRUCT(system VARCHAR, id VARCHAR)[] AS aliases,
           NULL::DATE AS start_date WHERE false`,
};

export interface UsageTables {
  /** Systems with a grants snapshot on or before the as-of day. */
  systems: string[];
  grants: number;
  people: number;
}

/**
 * Loads the as-of view of the lake into temp tables: `lapse_last_use`, `lapse_sources`,
 * `lapse_grants`, `lapse_people` (see load.sql). Detect reads nothing else.
 */
export async function loadAsOf(ctx: StageContext, asOf: Day): Promise<UsageTables> {
  const { db, lake } = ctx;
  await view(ctx, 'lapse_usage_files', layout.usage, EMPTY.usage);
  await view(ctx, 'lapse_objects_files', layout.objects, EMPTY.objects);
  await view(ctx, 'lapse_grants_files', layout.grants, EMPTY.grants);
  await view(ctx, 'lapse_people_file', layout.directory, EMPTY.people);
  await db.run(LOAD, { as_of: asOf });
  const counts = await db.one<{ grants: number; people: number }>(
    'SELECT (SELECT count(*) FROM lapse_grants) AS grants, (SELECT count(*) FROM lapse_people) AS people',
  );
  if (!counts?.people) throw new StoreError(`no directory snapshot on or before ${asOf} in ${lake.uri}; run lapse ingest first`);
  const systems = (await db.all<{ system: string }>('SELECT DISTINCT system FROM lapse_grants ORDER BY 1')).map((r) => r.system);
  return { systems, grants: counts.grants, people: counts.people };
}

/**
 * Loads the as-of tables (see loadAsOf) plus `lapse_active_days(system, principal, permission, day)`:
 * every day each permission was used, for replays of the history (suggest-ttl, backtest).
 */
export async function loadHistory(ctx: StageContext, asOf: Day): Promise<UsageTables> {
  const tables = await loadAsOf(ctx, asOf);
  await ctx.db.run(HISTORY, { as_of: asOf });
  return tables;
}

/** A view over every Parquet file under a lake prefix, Hive partitions as columns. */
async function view(ctx: StageContext, name: string, prefix: string, empty: string): Promise<void> {
  const files = await parquetFiles(ctx.lake, prefix);
  if (files.length === 0) {
    await ctx.db.run(`CREATE OR REPLACE TEMP VIEW ${name} AS ${empty}`);
    return;
  }
  const list = files.map(sqlString).join(', ');
  await ctx.db.run(
    `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM read_parquet([${list}], hive_partitioning = true, union_by_name = true)`,
  );
}

export async function parquetFiles(lake: Lake, prefix: string): Promise<string[]> {
  const keys = (await lake.list(prefix)).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
  return lake.localPaths(keys);
}
