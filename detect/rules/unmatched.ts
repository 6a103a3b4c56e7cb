import type { Config } from '../../core/config.js';
import type { Db } from '../../core/db.js';
import type { Day } from '../../core/days.js';
import { layout, partition } from '../../core/layout.js';
import type { Lake } from '../../core/store.js';
import { plural } from '../../core/text.js';

/** What `lapse doctor` says of one system's permission rules. */
export interface RuleCoverage {
  system: string;
  /** The newest grants snapshot day on or before the as-of day (null: none yet, nothing checked). */
  snapshot: Day | null;
  rules: number;
  /** Rule keys (names or globs) no grant of that snapshot matches: a typo, or access nobody holds yet. */
  unmatched: string[];
}

/**
 * Each system's permission rules against its newest grants snapshot: which keys match no permission
 * held there (matched as match.sql matches: the exact name, or DuckDB GLOB; a name without wildcards
 * GLOB-matches only itself). Read-only.
 */
export async function ruleCoverage(config: Config, lake: Lake, db: Db, asOf: Day): Promise<RuleCoverage[]> {
  const snapshots = (await lake.list(layout.grants)).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
  const out: RuleCoverage[] = [];
  for (const [system, s] of Object.entries(config.systems)) {
    const keys = Object.keys(s.permissions);
    if (keys.length === 0) continue;
    const mine = snapshots.filter((k) => partition(k, 'system') === system && (partition(k, 'day') ?? '') <= asOf);
    const day = mine.map((k) => partition(k, 'day')!).sort().at(-1) ?? null;
    if (day === null) {
      out.push({ system, snapshot: null, rules: keys.length, unmatched: [] });
      continue;
    }
    const files = await lake.localPaths(mine.filter((k) => partition(k, 'day') === day));
    const rows = await db.all<{ rule: string }>(UNMATCHED, { files, rules: keys });
    const unmatched = new Set(rows.map((r) => r.rule));
    out.push({ system, snapshot: day, rules: keys.length, unmatched: keys.filter((k) => unmatched.has(k)) });
  }
  return out;
}

const UNMATCHED = `WITH held AS (SELECT DISTINCT permission FROM read_parquet($files, union_by_name = true)),
  rules AS (SELECT unnest($rules::VARCHAR[]) AS rule)
  SELECT rule FROM rules r
  WHERE NOT EXISTS (SELECT 1 FROM held h WHERE h.permission = r.rule OR h.permission GLOB r.rule)`;

/** The doctor line for one system's rules. */
export function coverageCheck(c: RuleCoverage): { status: 'ok' | 'warn'; what: string; detail: string } {
  const what = `${c.system} permission rules`;
  if (c.snapshot === null) return { status: 'ok', what, detail: `${plural(c.rules, 'rule')}; no grants snapshot yet to match them against` };
  if (c.unmatched.length === 0) return { status: 'ok', what, detail: `each of the ${plural(c.rules, 'rule')} matches a grant in the snapshot of ${c.snapshot}` };
  const keys = c.unmatched.map((k) => JSON.stringify(k)).join(', ');
  return {
    status: 'warn',
    what,
    detail: `${keys} ${c.unmatched.length === 1 ? 'matches' : 'match'} no grant in the snapshot of ${c.snapshot}: a typo, or access nobody holds yet`,
  };
}
