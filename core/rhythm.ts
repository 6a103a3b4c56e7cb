/**
 * A grant's use rhythm: the rollup keeps each grant's most recent use days and the rhythm they show
 * (aggregate/rollup.sql), and detect judges staleness against it (detect/evaluate.sql, docs/rhythm.md).
 * One home for the numbers and the SQL both stages use; detect's margin and ceiling are suggest-ttl's
 * (detect/suggest.ts), whose episodes are these.
 */
export const RHYTHM = {
  /**
   * Distinct use days the rollup keeps per (system, principal, permission): the newest ones. Keeping the
   * newest N of a set is order-free and idempotent, so folding batches in any order, or one twice, gives
   * what a rebuild from the whole history gives.
   */
  recent_days: 8,
  /** Use days at most this far apart form one episode (a burst of use); a longer silence ends it. */
  episode_gap_days: 7,
  /** A lone use after a silence is a stray only after regular use: an episode of at least this many use days. */
  regular_days: 3,
} as const;

/** What a stored rollup was folded with: one folded otherwise is rebuilt, not merged into. */
export const RHYTHM_VERSION = `${RHYTHM.recent_days}/${RHYTHM.episode_gap_days}/${RHYTHM.regular_days}`;

/**
 * The rhythm of a list of use days (ascending), as DuckDB macros (the rollup's fold and replay, and detect
 * for a person with several ids). `lapse_gaps`: the days between consecutive use days. A **stray**: the
 * last use is a lone one (more than an episode gap after the one before), after an episode of at least
 * `regular_days` use days, and the silence before it is longer than any other gap. `lapse_regular_until`:
 * for a stray, the regular use's last day (null otherwise). `lapse_longest_gap`: the longest silence the
 * grant came back from, a stray's apart.
 */
export const RHYTHM_MACROS = `
CREATE OR REPLACE TEMP MACRO lapse_gaps(used) AS
  list_transform(range(2, len(used) + 1), i -> date_diff('day', used[i - 1], used[i]));
CREATE OR REPLACE TEMP MACRO lapse_stray(used, gaps, episode_gap, regular_days) AS coalesce(
  len(used) > regular_days AND gaps[len(used) - 1] > episode_gap
    -- use days in the episode ending just before the lone use: after the last gap longer than an episode's
    AND len(used) - 1 - coalesce(list_max(list_filter(range(1, len(used) - 1), i -> gaps[i] > episode_gap)), 0) >= regular_days
    AND gaps[len(used) - 1] > coalesce(list_max(gaps[1:len(used) - 2]), 0), false);
CREATE OR REPLACE TEMP MACRO lapse_regular_until(used, gaps, episode_gap, regular_days) AS
  CASE WHEN lapse_stray(used, gaps, episode_gap, regular_days) THEN used[len(used) - 1] END;
CREATE OR REPLACE TEMP MACRO lapse_longest_gap(used, gaps, episode_gap, regular_days) AS
  (CASE WHEN lapse_stray(used, gaps, episode_gap, regular_days) THEN list_max(gaps[1:len(used) - 2]) ELSE list_max(gaps) END)::INTEGER;
`;
