import { z } from 'zod';
import type { StageContext } from '../core/context.js';
import type { Day } from '../core/days.js';
import { sqlFile } from '../core/db.js';
import { stageGaps } from './gaps.js';
import { loadRules } from './rules/config.js';
import { matchRules } from './rules/match.js';
import { plural } from '../core/text.js';
import { RHYTHM } from '../core/rhythm.js';

const SUGGEST = sqlFile(import.meta.url, 'suggest.sql');

/**
 * The rules that turn observed gaps into a TTL (docs/ttl.md explains each). A TTL of T revokes a grant
 * after more than T days without use, so every gap longer than T would have been a revocation followed
 * by a use: a regret.
 */
export const SUGGEST_RULES = {
  /** Nearest-rank percentile used for the gap statistics and the suggestion. */
  quantile: 0.95,
  /** Safety margin over the observed silences. */
  margin: 1.2,
  min_ttl_days: 14,
  max_ttl_days: 365,
  /** People (or unresolved principals) with at least 2 active days needed before suggesting anything. */
  min_repeat_users: 3,
  /** The logs must cover this many times the suggested TTL: a silence cannot be seen in a shorter window. */
  history_factor: 2,
  /** Active days at most this far apart form one episode (a burst of use, e.g. a quarter close): the rhythm's (core/rhythm.ts). */
  episode_gap_days: RHYTHM.episode_gap_days,
  /** Periodic: at least this many cycles (episode start to next episode start) in the group… */
  min_cycles: 2,
  /** …a median cycle of at least this many days… */
  min_period_days: 20,
  /** …a coefficient of variation (stddev / mean) of the cycles at most this… */
  max_cycle_cv: 0.15,
  /** …at least this share of the people with 2+ active days seen in 2+ episodes… */
  min_episodic_share: 0.5,
  /** …and episodes short next to the period (median episode length ≤ this × the period). */
  max_episode_share: 0.25,
} as const;

/** One TTL suggestion: per (team, system, permission), plus one over all teams per (system, permission). */
/** Who a suggestion is about, and how many of them: shared by the SQL's rows and the suggestions. */
const RhythmGroup = z.object({
  system: z.string(),
  permission: z.string(),
  /** `all`: everyone who holds or used the permission (TTLs are configured per permission); `team`: one
   * team; `no_team`: principals no directory person matches. */
  scope: z.enum(['all', 'team', 'no_team']),
  team: z.string().nullable(),
  /** Current holders (in the newest grants snapshot). */
  holders: z.number().int(),
  /** Holders or not, those with at least one active day in the history. */
  users: z.number().int(),
  /** Those with 2+ active days: the only ones with gaps. */
  repeat_users: z.number().int(),
  /** Gaps (days between consecutive active days of one person) in the group. */
  gaps: z.number().int(),
});

export const TtlSuggestion = RhythmGroup.extend({
  median_gap_days: z.number().nullable(),
  p95_gap_days: z.number().nullable(),
  /** The 95th percentile over repeat users of each one's longest gap: the basis of the suggestion. */
  p95_longest_gap_days: z.number().nullable(),
  suggested_ttl_days: z.number().int().nullable(),
  /** Why there is no suggestion (null when there is one). */
  reason: z.string().nullable(),
  configured_ttl_days: z.number().int(),
  /** Where the configured TTL comes from: the permission's rule, the system, or defaults. */
  configured_from: z.enum(['permission', 'system', 'default']),
  emergency_only: z.boolean(),
  /** The usage rhythm is periodic (see SUGGEST_RULES); period_days is the median cycle. */
  periodic: z.boolean(),
  period_days: z.number().int().nullable(),
  cycles: z.number().int(),
  cycle_cv: z.number().nullable(),
  /** Days the system's logs cover (first to newest event day): the longest silence they could show. */
  observed_days: z.number().int(),
});
export type TtlSuggestion = z.infer<typeof TtlSuggestion>;

/** A row of suggest.sql, validated as it is read back. */
export const RhythmStats = RhythmGroup.extend({
  episodic_users: z.number().int(),
  median_gap: z.number().nullable(),
  p95_gap: z.number().nullable(),
  p95_longest_gap: z.number().nullable(),
  cycles: z.number().int(),
  median_cycle: z.number().nullable(),
  cycle_cv: z.number().nullable(),
  median_episode_days: z.number().nullable(),
  observed_days: z.number().int(),
  configured_ttl: z.number().int(),
  ttl_source: z.enum(['permission', 'system', 'default']),
  emergency_only: z.boolean(),
});
export type RhythmStats = z.infer<typeof RhythmStats>;

/**
 * Proposes a TTL per (team, system, permission) from the gaps between active days, as of `asOf`.
 * Reads the tables aggregate's `loadHistory` made (lapse_active_days and the as-of tables).
 */
export async function suggestTtl(ctx: StageContext, asOf: Day): Promise<TtlSuggestion[]> {
  const started = Date.now();
  await loadRules(ctx, asOf);
  await stageGaps(ctx);
  await matchRules(ctx.db, 'lapse_permission_ids');
  const rows = await ctx.db.all(SUGGEST, {
    default_ttl: ctx.config.defaults.ttl_days,
    episode_gap_days: SUGGEST_RULES.episode_gap_days,
    quantile: SUGGEST_RULES.quantile,
  });
  const out = rows.map((r) => decide(RhythmStats.parse(r)));
  ctx.log.info({ stage: 'suggest_ttl', as_of: asOf, groups: out.length, ms: Date.now() - started }, 'suggest-ttl done');
  return out;
}

/** Applies SUGGEST_RULES to one group's statistics. */
export function decide(s: RhythmStats): TtlSuggestion {
  const r = SUGGEST_RULES;
  const { suggested, reason } = suggestion(s);
  const periodic =
    s.cycles >= r.min_cycles &&
    s.median_cycle !== null && s.median_cycle >= r.min_period_days &&
    s.cycle_cv !== null && s.cycle_cv <= r.max_cycle_cv &&
    s.repeat_users > 0 && s.episodic_users / s.repeat_users >= r.min_episodic_share &&
    s.median_episode_days !== null && s.median_episode_days <= r.max_episode_share * s.median_cycle;
  return {
    system: s.system,
    permission: s.permission,
    scope: s.scope,
    team: s.team,
    holders: s.holders,
    users: s.users,
    repeat_users: s.repeat_users,
    gaps: s.gaps,
    median_gap_days: s.median_gap,
    p95_gap_days: s.p95_gap,
    p95_longest_gap_days: s.p95_longest_gap,
    suggested_ttl_days: suggested,
    reason,
    configured_ttl_days: s.configured_ttl,
    configured_from: s.ttl_source,
    emergency_only: s.emergency_only,
    periodic,
    period_days: periodic ? Math.round(s.median_cycle!) : null,
    cycles: s.cycles,
    cycle_cv: s.cycle_cv === null ? null : Math.round(s.cycle_cv * 1000) / 1000,
    observed_days: s.observed_days,
  };
}

function suggestion(s: RhythmStats): { suggested: number | null; reason: string | null } {
  const r = SUGGEST_RULES;
  if (s.emergency_only) return { suggested: null, reason: 'emergency-only: rarely used by design, no TTL applies' };
  if (s.repeat_users < r.min_repeat_users || s.p95_longest_gap === null) {
    return {
      suggested: null,
      reason: `${s.repeat_users === 0 ? 'nobody' : `only ${s.repeat_users}`} with 2+ active days (need ${r.min_repeat_users})`,
    };
  }
  const ttl = Math.min(r.max_ttl_days, Math.max(r.min_ttl_days, Math.ceil(roundTo6(r.margin * s.p95_longest_gap))));
  if (s.observed_days < r.history_factor * ttl) {
    return {
      suggested: null,
      reason: `logs cover ${plural(s.observed_days, 'day')}; a ${ttl}-day TTL needs ${r.history_factor * ttl}`,
    };
  }
  return { suggested: ttl, reason: null };
}

/** margin × gap in binary floating point can land just above a whole number (1.1 × 50 = 55.00000000000001): ceil must see 55. */
const roundTo6 = (x: number) => Math.round(x * 1e6) / 1e6;
