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
 */
export async function loadActionUses(ctx: StageContext, w: ActionWindow): Promise<ActionCoverage[]> {
  const keys = (await parquetKeys(ctx.lake, layout.actions)).filter((k) => in_(k, w.system) && (partition(k, 'day') ?? '') <= w.to);
  await view(ctx, 'lapse_actions_upto', keys, actions);
  await view(ctx, 'lapse_actions_window', keys.filter((k) => (partition(k, 'day') ?? '') >= w.from), actions);
  await view(ctx, 'lapse_objects_files', await parquetKeys(ctx.lake, layout.objects), objects);
  await ctx.db.run(ACTIONS, { from: w.from, to: w.to, system: w.system ?? '' });
  return ctx.db.all<ActionCoverage>(
    'SELECT system, first_day::VARCHAR AS first_day, last_day::VARCHAR AS last_day FROM lapse_action_coverage ORDER BY system',
  );
}

const in_ = (key: string, system: string | undefined): boolean => system === undefined || partition(key, 'system') === system;
