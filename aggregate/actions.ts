import type { StageContext } from '../core/context.js';
import type { Day } from '../core/days.js';
import { sqlFile } from '../core/db.js';
import { layout, partition } from '../core/layout.js';
import { actions, objects } from '../core/relations.js';
import { parquetKeys, view } from './views.js';

const ACTIONS = sqlFile(import.meta.url, 'actions.sql');

export interface ActionWindow {
  from: Day;
  to: Day;
  /** One system only (default: every system). */
  system?: string;
}

/** The days a system has action summaries on, up to the window's end. */
export interface ActionCoverage {
  system: string;
  first_day: Day;
  last_day: Day;
}

/**
 * Loads `lapse_action_uses` (what each principal did with each permission in [from, to]) and
 * `lapse_action_coverage` (per system, the first and last day with action summaries up to `to`) from
 * the lake's committed actions_daily/ files. Reads only the `day=` partitions it needs: the window's
 * for the uses, the days up to `to` for the coverage (two columns of them). Returns the coverage.
 * The window's partitions of one file and those of several are two views: only the second can hold
 * a cut-short compaction's copies (actions.sql dedupes them alone).
 */
export async function loadActionUses(ctx: StageContext, w: ActionWindow): Promise<ActionCoverage[]> {
  const keys = (await parquetKeys(ctx.lake, layout.actions)).filter((k) => in_(k, w.system) && (partition(k, 'day') ?? '') <= w.to);
  await view(ctx, 'lapse_actions_upto', keys, actions);
  const [whole, shards] = byFileCount(keys.filter((k) => (partition(k, 'day') ?? '') >= w.from));
  await view(ctx, 'lapse_actions_whole', whole, actions);
  await view(ctx, 'lapse_actions_shards', shards, actions);
  await view(ctx, 'lapse_objects_files', await parquetKeys(ctx.lake, layout.objects), objects);
  await ctx.db.run(ACTIONS, { from: w.from, to: w.to, system: w.system ?? '' });
  return ctx.db.all<ActionCoverage>(
    'SELECT system, first_day::VARCHAR AS first_day, last_day::VARCHAR AS last_day FROM lapse_action_coverage ORDER BY system',
  );
}

/** Splits keys into those alone in their folder (a partition of one file) and the rest. */
function byFileCount(keys: string[]): [string[], string[]] {
  const count = new Map<string, number>();
  for (const k of keys) count.set(folder(k), (count.get(folder(k)) ?? 0) + 1);
  return [keys.filter((k) => count.get(folder(k)) === 1), keys.filter((k) => count.get(folder(k))! > 1)];
}

const folder = (key: string): string => key.slice(0, key.lastIndexOf('/') + 1);

const in_ = (key: string, system: string | undefined): boolean => system === undefined || partition(key, 'system') === system;
