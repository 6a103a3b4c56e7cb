import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sqlString } from '../core/db.js';
import { addDays, daysBetween } from '../core/days.js';
import { layout } from '../core/layout.js';
import { RHYTHM } from '../core/rhythm.js';
import { ingest } from '../ingest/index.js';
import { appSystem, config, jsonl, stageContext, tempDir, writeFiles } from '../test/helpers.js';
import { loadAsOf } from './index.js';

/**
 * The last-use rollup keeps each grant's newest use days (its rhythm), folded batch by batch. Folding is
 * order-free and idempotent: the rollup after any sequence of folds equals a rebuild from the whole
 * history, a replay as of a day, and the definition computed here in JS.
 */

interface Use {
  day: string;
  user: string;
  perm: string;
}

/** A seeded stream of uses: a few principals (one spelt in two cases), two permissions, days out of order. */
function uses(seed: number, n: number): Use[] {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const users = ['ann@corp.example', 'ANN@corp.example', 'ben@corp.example', 'cat@corp.example'];
  return Array.from({ length: n }, () => ({
    // Dense for ann on db (more than the rollup keeps), sparse for the rest.
    day: addDays('2026-01-01', Math.floor(next() * 90)),
    user: users[Math.floor(next() * users.length)]!,
    perm: next() < 0.7 ? 'db' : 'wiki',
  }));
}

/** The rollup by its definition: per (principal lower-cased, permission), first, last and the newest N distinct days. */
function expected(all: Use[], asOf: string) {
  const by = new Map<string, Set<string>>();
  for (const u of all.filter((u) => u.day <= asOf)) {
    const k = `${u.user.toLowerCase()}\u0000${u.perm}`;
    (by.get(k) ?? by.set(k, new Set()).get(k)!).add(u.day);
  }
  return [...by.entries()]
    .map(([k, set]) => {
      const [principal, permission] = k.split('\u0000') as [string, string];
      const days = [...set].sort();
      const recent = days.slice(-RHYTHM.recent_days);
      return { principal, permission, first_used: days[0]!, last_used: days.at(-1)!, recent_days: recent, ...rhythm(recent) };
    })
    .sort((a, b) => (a.principal + a.permission < b.principal + b.permission ? -1 : 1));
}

/** The rhythm of newest use days by its definition (core/rhythm.ts): a lone stray after regular use, and the longest gap. */
function rhythm(used: string[]) {
  const n = used.length;
  const gaps = used.slice(1).map((d, i) => daysBetween(used[i]!, d));
  const before = gaps.slice(0, -1);
  const lastLong = before.map((g, i) => (g > RHYTHM.episode_gap_days ? i + 1 : 0)).reduce((a, b) => Math.max(a, b), 0);
  const stray = n > RHYTHM.regular_days && gaps[n - 2]! > RHYTHM.episode_gap_days && n - 1 - lastLong >= RHYTHM.regular_days && gaps[n - 2]! > Math.max(0, ...before);
  const longest = (xs: number[]) => (xs.length ? Math.max(...xs) : null);
  return { regular_until: stray ? used[n - 2]! : null, longest_gap: stray ? longest(before) : longest(gaps) };
}

async function setup() {
  const dir = await tempDir();
  await writeFiles(dir, {
    'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\n',
    'grants.jsonl': jsonl([{ principal: 'ann@corp.example', permission: 'db' }]),
  });
  const cfg = config(dir, { directory: { path: 'people.csv' }, systems: { app: appSystem() } });
  return { dir, ctx: await stageContext(cfg) };
}

const AS_OF = '2026-04-01';

describe('the rhythm fold', () => {
  test('incremental folds, a refold, a rebuild and a replay all give the definition', async () => {
    const { dir, ctx } = await setup();
    const all = uses(7, 240);
    const read = async (asOf = AS_OF) => {
      await loadAsOf(ctx, asOf);
      return ctx.db.all(
        `SELECT principal, permission, first_used::VARCHAR AS first_used, last_used::VARCHAR AS last_used,
                recent_days::VARCHAR[] AS recent_days, regular_until::VARCHAR AS regular_until, longest_gap
         FROM lapse_last_use ORDER BY principal, permission`,
      );
    };
    await mkdir(join(dir, 'logs'));
    await ingest(ctx, '2026-01-01'); // a directory and grants snapshot to replay from
    // Five batches, each a slice of the shuffled stream: days arrive out of order and repeat across batches.
    let state: string | undefined;
    for (let b = 0; b < 5; b++) {
      const slice = all.slice(b * 48, (b + 1) * 48);
      await writeFiles(dir, { [`logs/${b}.jsonl`]: jsonl(slice.map((u) => ({ ts: `${u.day}T12:00:00Z`, user: u.user, perm: u.perm, result: 'ok' }))) });
      await ingest(ctx, AS_OF);
      if (b === 4) state = await ctx.lake.readText(layout.rollupState);
      expect(await read()).toEqual(expected(all.slice(0, (b + 1) * 48), AS_OF));
    }
    const incremental = await read();
    expect((incremental as { recent_days: string[] }[]).some((r) => r.recent_days.length === RHYTHM.recent_days)).toBe(true);

    // A crash between writing the rollup and its state: the last batch is folded a second time.
    await ctx.lake.writeText(layout.rollupState, state!);
    expect(await read()).toEqual(incremental);

    // A rollup written before the rhythm (no recent_days, nor in its state) is rebuilt, not merged into.
    const legacy = join(dir, 'legacy.parquet');
    await ctx.db.run(`COPY (SELECT system, principal, permission, first_used, last_used FROM lapse_last_use) TO ${sqlString(legacy)} (FORMAT parquet)`);
    await ctx.lake.putFile(layout.rollup, legacy);
    const { rhythm: _, ...old } = JSON.parse((await ctx.lake.readText(layout.rollupState))!) as Record<string, unknown>;
    await ctx.lake.writeText(layout.rollupState, `${JSON.stringify(old)}\n`);
    expect(await read()).toEqual(incremental);

    // A rebuild from nothing.
    await ctx.lake.remove((await ctx.lake.list('rollup/')).map((o) => o.key));
    expect(await read()).toEqual(incremental);

    // A day before the newest use replays the history up to it.
    expect(await read('2026-02-15')).toEqual(expected(all, '2026-02-15'));
    ctx.close();
  }, 60_000);
});
