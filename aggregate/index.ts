/**
 * aggregate: reads the lake's daily summaries, object ledger and snapshots; writes compacted
 * partitions back, and loads the as-of relations detect reads (last use per grant, source coverage).
 */
import { asOfLoaded, type AsOfTables, type StageContext } from '../core/context.js';
import type { Day } from '../core/days.js';
import { sqlFile } from '../core/db.js';
import { StoreError } from '../core/errors.js';
import { layout, partition } from '../core/layout.js';
import { directory, grantsSnapshot, objects } from '../core/relations.js';
import { loadActionUses as loadActions, type ActionCoverage, type ActionWindow } from './actions.js';
import { lastUse } from './rollup.js';
import { latestKeys, parquetKeys, usageView, view } from './views.js';

export { compact, type CompactReport } from './compact.js';
export { usageView } from './views.js';
export type { ActionCoverage, ActionWindow } from './actions.js';

const LOAD = sqlFile(import.meta.url, 'load.sql');
const HISTORY = sqlFile(import.meta.url, 'history.sql');
const PEOPLE_HISTORY = sqlFile(import.meta.url, 'people_history.sql');

export type { AsOfTables } from '../core/context.js';

/**
 * Loads the as-of view of the lake into the relations detect reads: `lapse_last_use` (rollup.ts),
 * `lapse_sources`, `lapse_grants` (a view of the newest snapshot per system), `lapse_people` (load.sql), `lapse_moves`,
 * `lapse_directory_leave` (people_history.sql).
 * Reads the ledger, the newest snapshots and the rollup; never the whole usage history, except to
 * replay a day before the newest folded one.
 */
export async function loadAsOf(ctx: StageContext, asOf: Day): Promise<AsOfTables> {
  return readAgain(ctx, () => load(ctx, asOf));
}

async function load(ctx: StageContext, asOf: Day): Promise<AsOfTables> {
  const { db, lake } = ctx;
  await view(ctx, 'lapse_objects_files', await parquetKeys(lake, layout.objects), objects);
  // Pinned: detect reads the grants through a view, several times (an ingest may rewrite a snapshot meanwhile).
  await view(ctx, 'lapse_grants_files', await latestKeys(lake, layout.grants, asOf, 'system'), grantsSnapshot, { pin: true });
  await view(ctx, 'lapse_people_file', await latestKeys(lake, layout.directory, asOf), directory);
  await db.run(LOAD, { as_of: asOf });
  await view(ctx, 'lapse_directory_files', await keysUpTo(lake, layout.directory, asOf), directory);
  await db.run(PEOPLE_HISTORY, { as_of: asOf });
  const counts = await db.one<{ grants: number; people: number }>(
    'SELECT (SELECT count(*) FROM lapse_grants) AS grants, (SELECT count(*) FROM lapse_people) AS people',
  );
  if (!counts?.people) throw new StoreError(`no directory snapshot on or before ${asOf} in ${lake.uri}; run lapse ingest first`);
  const last_use = await lastUse(ctx, asOf);
  const systems = (await db.all<{ system: string }>('SELECT DISTINCT system FROM lapse_grants ORDER BY 1')).map((r) => r.system);
  return asOfLoaded({ as_of: asOf, systems, grants: counts.grants, people: counts.people, last_use });
}

/** Every Parquet file under `prefix` of a `day=` partition on or before `asOf`. */
async function keysUpTo(lake: StageContext['lake'], prefix: string, asOf: Day): Promise<string[]> {
  return (await parquetKeys(lake, prefix)).filter((k) => (partition(k, 'day') ?? '') <= asOf);
}

/**
 * Loads the as-of tables (see loadAsOf) plus `lapse_active_days(system, principal, permission, day)`:
 * every day each permission was used, for replays of the history (suggest-ttl, backtest).
 */
export async function loadHistory(ctx: StageContext, asOf: Day): Promise<AsOfTables> {
  return readAgain(ctx, async () => {
    const tables = await load(ctx, asOf);
    await usageView(ctx);
    await ctx.db.run(HISTORY, { as_of: asOf });
    return tables;
  });
}

/**
 * Loads `lapse_action_uses` (uses of each action per system, principal and permission in the window)
 * and `lapse_action_coverage` (per system, the first and last day with action summaries); returns the
 * coverage. See aggregate/actions.ts.
 */
export async function loadActionUses(ctx: StageContext, window: ActionWindow): Promise<ActionCoverage[]> {
  return readAgain(ctx, () => loadActions(ctx, window));
}

/**
 * Workers compact the lake while the daily job reads it: a file listed a moment ago may be gone
 * (its rows are in the merged file). Reading is idempotent, so list again and read again.
 */
async function readAgain<T>(ctx: StageContext, read: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (attempt >= tries || !(err instanceof Error) || !err.message.includes('No files found that match the pattern')) throw err;
      ctx.log.debug({ stage: 'aggregate', attempt }, 'a lake file was compacted away under the read; reading again');
    }
  }
}
