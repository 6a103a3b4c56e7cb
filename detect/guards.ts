import type { Config } from '../core/config.js';
import type { FindingCount, GuardEntry, SourceEntry } from '../core/model.js';

/**
 * The guards of ARCHITECTURE.md, as entries in the findings document. Source freshness and the
 * observation window were applied per grant in SQL (`excluded_by`); blast radius is judged here per
 * system, on what would be revoked.
 */
export function guardEntries(config: Config, counts: FindingCount[], sources: SourceEntry[]): GuardEntry[] {
  const out: GuardEntry[] = [];
  for (const s of sources) {
    const onSystem = counts.filter((c) => c.system === s.system);
    const count = (pick: (c: FindingCount) => boolean) => onSystem.filter(pick).reduce((a, c) => a + c.n, 0);
    const maxLag = config.systems[s.system]?.max_source_lag_days ?? config.defaults.max_source_lag_days;
    if (s.grants > 0 && (s.lag_days === null || s.lag_days > maxLag)) {
      out.push({
        system: s.system,
        guard: 'source_freshness',
        held: count((c) => c.excluded_by === 'source_freshness'),
        detail:
          s.newest_day === null
            ? 'no log events in the lake: every grant would look unused'
            : `newest event ${s.newest_day} is ${s.lag_days} days old (allowed ${maxLag}): source silent`,
      });
    }
    const early = count((c) => c.excluded_by === 'observation_window');
    if (early) {
      out.push({
        system: s.system,
        guard: 'observation_window',
        held: early,
        detail: `logs cover ${s.observed_days} days, not more than the TTL: never-used grants cannot be judged yet`,
      });
    }
    const revocable = count((c) => c.revocable);
    const { max_revoke_count: maxCount, max_revoke_fraction: maxFraction } = config.guards;
    if (s.grants > 0 && revocable > 0 && (revocable > maxCount || revocable / s.grants > maxFraction)) {
      out.push({
        system: s.system,
        guard: 'blast_radius',
        held: revocable,
        detail: `would revoke ${revocable} of ${s.grants} grants (${pct(revocable / s.grants)}; limits ${pct(maxFraction)}, ${maxCount}): revocation list held for review`,
      });
    }
  }
  return out;
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
