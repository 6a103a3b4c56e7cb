import { join } from 'node:path';
import { z } from 'zod';
import type { StageContext } from '../core/context.js';
import type { Day } from '../core/days.js';
import { sqlFile, sqlString } from '../core/db.js';
import { layout, partition } from '../core/layout.js';
import * as relations from '../core/relations.js';
import { RHYTHM, RHYTHM_MACROS, RHYTHM_VERSION } from '../core/rhythm.js';
import { usageView, view } from './views.js';

const ROLLUP = sqlFile(import.meta.url, 'rollup.sql');
const REPLAY = sqlFile(import.meta.url, 'replay.sql');

/**
 * Which committed batches the stored rollup holds, the newest use day in it, and the rhythm it was folded
 * with (core/rhythm.ts RHYTHM_VERSION; absent: a rollup written before it kept any).
 */
const RollupState = z.object({ folded: z.array(z.string()), max_day: z.string().nullable(), rhythm: z.string().optional() });
type RollupState = z.infer<typeof RollupState>;

const EMPTY: RollupState = { folded: [], max_day: null, rhythm: RHYTHM_VERSION };

/** The rhythm's parameters (core/rhythm.ts), bound in rollup.sql and replay.sql. */
const RHYTHM_PARAMS = { recent_days: RHYTHM.recent_days, episode_gap: RHYTHM.episode_gap_days, regular_days: RHYTHM.regular_days };

interface Pending {
  system: string;
  batch: string;
  from_day: string;
  to_day: string;
}

/**
 * Loads `lapse_last_use(system, principal, permission, first_used, last_used, recent_days)` as of a day. The daily
 * path folds only the batches committed since the last run into the stored rollup, so detect's cost
 * does not grow with the history. A day before the newest folded use cannot come from the rollup (it
 * holds later uses): that replays the history instead, and leaves the rollup alone. On a read-only
 * lake (explain, report, suggest-ttl, backtest) the pending batches are folded in memory, not stored.
 */
export async function lastUse(ctx: StageContext, asOf: Day): Promise<'rollup' | 'replay'> {
  await ctx.db.drop('lapse_last_use');
  const state = await readState(ctx);
  await ctx.db.run(RHYTHM_MACROS);
  // Joins, not list_contains: a year of SQS batches is a hundred thousand ids.
  await ctx.db.tableFromRows('lapse_folded', { batch: 'VARCHAR' }, state.folded.map((batch) => ({ batch })));
  const pending = (
    await ctx.db.all<Pending>(
      `SELECT system, batch, min(first_seen)::DATE::VARCHAR AS from_day, max(last_seen)::DATE::VARCHAR AS to_day
       FROM lapse_objects_files o WHERE first_seen IS NOT NULL AND batch IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM lapse_folded f WHERE f.batch = o.batch)
       GROUP BY ALL`,
    )
  );
  const newest = [state.max_day, ...pending.map((p) => p.to_day)].filter((d): d is string => !!d).sort().at(-1) ?? null;
  if (newest !== null && newest > asOf) {
    await usageView(ctx);
    await ctx.db.run(REPLAY, { as_of: asOf, ...RHYTHM_PARAMS });
    return 'replay';
  }
  await loadStored(ctx, state);
  if (pending.length === 0) {
    // Nothing new: detect reads the stored rollup as it is.
    await ctx.db.run('CREATE OR REPLACE TEMP VIEW lapse_last_use AS SELECT * FROM lapse_rollup_old');
    return 'rollup';
  }
  await fold(ctx, pending);
  if (ctx.lake.readOnly) return 'rollup';
  await store(ctx, { ...EMPTY, folded: [...state.folded, ...pending.map((p) => p.batch)].sort(), max_day: newest });
  return 'rollup';
}

/** Batches folded per step: a first run over a year of history stays within the engine's memory. */
const FOLD_STEP = 60;

/**
 * `lapse_last_use` = the stored rollup with the pending batches folded in, one system at a time and
 * `FOLD_STEP` batches at a time, so memory holds one system's rollup and a few days of usage.
 */
async function fold(ctx: StageContext, pending: Pending[]): Promise<void> {
  const { db } = ctx;
  const systems = [...new Set(pending.map((p) => p.system))].sort();
  await db.run('CREATE OR REPLACE TEMP TABLE lapse_last_use AS SELECT * FROM lapse_rollup_old WHERE NOT list_contains($systems, system)', {
    systems,
  });
  const keys = (await ctx.lake.list(layout.usage)).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
  for (const system of systems) {
    await db.run('CREATE OR REPLACE TEMP TABLE lapse_fold AS SELECT * FROM lapse_rollup_old WHERE system = $system', { system });
    const mine = pending.filter((p) => p.system === system).sort((a, b) => (a.from_day < b.from_day ? -1 : 1));
    for (let i = 0; i < mine.length; i += FOLD_STEP) {
      const step = mine.slice(i, i + FOLD_STEP);
      await usageView(ctx, touchedKeys(keys, step));
      await db.tableFromRows('lapse_fold_batches', { batch: 'VARCHAR' }, step.map((p) => ({ batch: p.batch })));
      await db.run(ROLLUP, RHYTHM_PARAMS);
    }
    await db.run('INSERT INTO lapse_last_use BY NAME SELECT * FROM lapse_fold; DROP TABLE lapse_fold');
  }
}

/**
 * The stored rollup's state. One folded with another rhythm (or none: written before it) cannot be merged
 * into: it reads as empty, so every batch is folded again (a rebuild).
 */
async function readState(ctx: StageContext): Promise<RollupState> {
  const text = await ctx.lake.readText(layout.rollupState);
  const state = text ? RollupState.parse(JSON.parse(text)) : EMPTY;
  return state.rhythm === RHYTHM_VERSION ? state : EMPTY;
}

async function loadStored(ctx: StageContext, state: RollupState): Promise<void> {
  const exists = state.folded.length > 0 && (await ctx.lake.list(layout.rollup)).length > 0;
  await view(ctx, 'lapse_rollup_old', exists ? [layout.rollup] : [], relations.lastUse);
}

/** The usage files of the day partitions the pending batches' objects span. */
function touchedKeys(keys: string[], pending: Pending[]): string[] {
  return keys.filter((k) => {
    const system = partition(k, 'system');
    const day = partition(k, 'day') ?? '';
    return pending.some((p) => p.system === system && p.from_day <= day && day <= p.to_day);
  });
}

/** Writes the rollup, then its state: a crash between them only means folding the same batches again. */
async function store(ctx: StageContext, state: RollupState): Promise<void> {
  const out = join(await ctx.lake.scratch(), 'last_use.parquet');
  await ctx.db.run(`COPY (SELECT * FROM lapse_last_use ORDER BY ALL) TO ${sqlString(out)} (FORMAT parquet)`);
  await ctx.lake.putFile(layout.rollup, out);
  await ctx.lake.writeText(layout.rollupState, `${JSON.stringify(state)}\n`);
}

