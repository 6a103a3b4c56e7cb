import { z } from 'zod';
import type { StageContext } from '../core/context.js';
import type { Day } from '../core/days.js';
import { sqlFile } from '../core/db.js';
import { UsageError } from '../core/errors.js';
import { stageGaps } from './gaps.js';
import { loadRules } from './rules/config.js';
import { matchRules } from './rules/match.js';

const BACKTEST = sqlFile(import.meta.url, 'backtest.sql');

/** A TTL to replay: a number of days for every grant, or `configured` (each grant's TTL from the config). */
export const BacktestTtl = z.union([z.number().int().positive(), z.literal('configured')]);
export type BacktestTtl = z.infer<typeof BacktestTtl>;

/** What a TTL would have done over the stored history, on one system or (system null) on all. */
export const BacktestRow = z.object({
  ttl: BacktestTtl,
  system: z.string().nullable(),
  /** (person or unresolved principal, permission) pairs replayed: held now, or used in the history. */
  grants: z.number().int(),
  /** Pairs never revoked whatever the TTL: emergency-only permissions, protected principals. */
  excluded: z.number().int(),
  /** Every revocation the TTL would have made (a pair can be revoked, used again, and revoked again). */
  revocations: z.number().int(),
  /** Revocations followed by a later use: each one a person who would have had to ask for the grant back. */
  regrets: z.number().int(),
  /** Revocations with no use after them up to the end of the logs. */
  not_used_again: z.number().int(),
  /** regrets / revocations; null when nothing would have been revoked. */
  regret_rate: z.number().nullable(),
  /** Pairs revoked at least once. */
  grants_affected: z.number().int(),
  /** Pairs with at least one regretted revocation. */
  grants_regretted: z.number().int(),
  /** Grants held now and unused for more than the TTL at the end of the logs: what it would revoke today. */
  flagged_now: z.number().int(),
});
export type BacktestRow = z.infer<typeof BacktestRow>;

/** A row of backtest.sql: a BacktestRow before its TTL is named and its rate computed. */
const SqlRow = BacktestRow.omit({ ttl: true, regret_rate: true }).extend({ scenario: z.number().int() });

const EMPTY = {
  grants: 0, excluded: 0, revocations: 0, regrets: 0, not_used_again: 0, grants_affected: 0, grants_regretted: 0, flagged_now: 0,
};

/**
 * Replays the history loaded by aggregate's `loadHistory` under each TTL (see backtest.sql and
 * docs/ttl.md). Rows come per TTL in the order given: one per system, then the total (system null).
 */
export async function backtest(ctx: StageContext, asOf: Day, ttls: BacktestTtl[]): Promise<BacktestRow[]> {
  const started = Date.now();
  if (ttls.length === 0) throw new UsageError('backtest: no TTL to replay');
  const scenarios = [...new Set(ttls.map(checkTtl))];
  await loadRules(ctx, asOf);
  await ctx.db.tableFromRows(
    'lapse_backtest_ttls',
    { scenario: 'INTEGER', ttl: 'INTEGER' },
    scenarios.map((t, scenario) => ({ scenario, ttl: t === 'configured' ? null : t })),
  );
  await stageGaps(ctx);
  await matchRules(ctx.db, 'lapse_permission_ids');
  const rows = (await ctx.db.all(BACKTEST, { default_ttl: ctx.config.defaults.ttl_days })).map((r) => SqlRow.parse(r));
  const out = scenarios.flatMap((ttl, scenario) => {
    const mine = rows.filter((r) => r.scenario === scenario);
    // An empty history still answers: nothing replayed, nothing revoked.
    if (!mine.some((r) => r.system === null)) mine.push({ ...EMPTY, scenario, system: null });
    return mine.map(({ scenario: _, ...r }) =>
      BacktestRow.parse({ ttl, ...r, regret_rate: r.revocations ? Math.round((r.regrets / r.revocations) * 10_000) / 10_000 : null }),
    );
  });
  ctx.log.info({ stage: 'backtest', as_of: asOf, ttls: scenarios, rows: out.length, ms: Date.now() - started }, 'backtest done');
  return out;
}

function checkTtl(t: unknown): BacktestTtl {
  const parsed = BacktestTtl.safeParse(t);
  if (!parsed.success) throw new UsageError(`backtest: TTL ${JSON.stringify(t)} is not a positive whole number of days or 'configured'`);
  return parsed.data;
}
