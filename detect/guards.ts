import { userInfo } from 'node:os';
import type { Config } from '../core/config.js';
import { UsageError } from '../core/errors.js';
import { layout } from '../core/layout.js';
import type { FindingCount, FindingsDocument, GuardEntry, GuardOverride, SourceEntry } from '../core/model.js';
import type { Lake } from '../core/store.js';

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

/** `--allow-blast-radius SYSTEM --reason R`, once per system. */
export interface AllowBlastRadius {
  system: string;
  reason: string;
}

/**
 * Lets a run through the blast-radius guard on the systems an operator named, with a reason: the
 * document loses those guard entries (so the system's list is written, and the run does not exit 3 for
 * them), and each override says who let how much through, and why. Other guards still hold.
 */
export function allowBlastRadius(doc: FindingsDocument, allows: AllowBlastRadius[]): { doc: FindingsDocument; overrides: GuardOverride[]; unused: string[] } {
  const overrides: GuardOverride[] = [];
  const unused: string[] = [];
  for (const a of allows) {
    const source = doc.sources.find((s) => s.system === a.system);
    if (!source) throw new UsageError(`--allow-blast-radius ${a.system}: no such system in the run of ${doc.as_of}; systems: ${doc.sources.map((s) => s.system).join(', ')}`);
    const guard = doc.guards.find((g) => g.system === a.system && g.guard === 'blast_radius');
    if (!guard) {
      unused.push(a.system);
      continue;
    }
    overrides.push({
      system: a.system, guard: 'blast_radius', reason: a.reason, by: whoami(), at: new Date().toISOString(),
      run_id: doc.run_id, as_of: doc.as_of, count: guard.held, grants: source.grants, fraction: guard.held / source.grants,
    });
  }
  const allowed = new Set(overrides.map((o) => o.system));
  const guards = doc.guards.filter((g) => !(g.guard === 'blast_radius' && allowed.has(g.system)));
  return { doc: { ...doc, guards }, overrides, unused };
}

/** Adds the overrides to the run record (`runs/as_of=<d>/run.json`), beside the guards they let through. */
export async function recordOverrides(lake: Lake, asOf: string, overrides: GuardOverride[]): Promise<void> {
  if (overrides.length === 0) return;
  const key = layout.runOf(asOf);
  const text = await lake.readText(key);
  if (!text) return;
  const run = JSON.parse(text) as { overrides?: GuardOverride[] };
  run.overrides = [...(run.overrides ?? []), ...overrides];
  await lake.writeText(key, `${JSON.stringify(run, null, 2)}\n`);
}

export function overrideLine(o: GuardOverride): string {
  return `${o.guard} on ${o.system} allowed by --allow-blast-radius: ${o.count} of ${o.grants} grants (${pct(o.fraction)}); reason: ${o.reason}`;
}

function whoami(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
