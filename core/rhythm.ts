/**
 * A grant's use rhythm: the rollup keeps each grant's most recent use days (aggregate/rollup.sql), and
 * detect judges staleness against them (detect/evaluate.sql, README "Use rhythm"). One home for the
 * numbers both stages read; detect's margin, ceiling and episode gap are suggest-ttl's (detect/suggest.ts).
 */
export const RHYTHM = {
  /**
   * Distinct use days the rollup keeps per (system, principal, permission): the newest ones. Keeping the
   * newest N of a set is order-free and idempotent, so folding batches in any order, or one twice, gives
   * what a rebuild from the whole history gives.
   */
  recent_days: 8,
  /** A lone use after a silence is a stray only after regular use: at least this many use days in a row, none more than an episode gap apart. */
  regular_days: 3,
} as const;
