import { userInfo } from 'node:os';
import { connectors } from '../connectors/index.js';
import type { Config } from '../core/config.js';
import { UsageError } from '../core/errors.js';
import { layout } from '../core/layout.js';
import { z } from 'zod';
import { GuardEntry, GuardOverride, type FindingCount, type FindingsDocument, type SourceEntry } from '../core/model.js';
import type { Lake } from '../core/store.js';
import { plural } from '../core/text.js';

/**
 * The guards (README, Detection rules), as entries in the findings document. Source freshness and the
 * observation window were applied per grant in SQL (`excluded_by`; `silent`: the systems evaluate.sql
 * judged silent); blast radius is judged here per system, on what would be revoked.
 */
export function guardEntries(config: Config, counts: FindingCount[], sources: SourceEntry[], silent: Set<string>): GuardEntry[] {
  const out: GuardEntry[] = [];
  for (const s of sources) {
    const onSystem = counts.filter((c) => c.system === s.system);
    const count = (pick: (c: FindingCount) => boolean) => onSystem.filter(pick).reduce((a, c) => a + c.n, 0);
    if (silent.has(s.system)) {
      const maxLag = config.systems[s.system]?.max_source_lag_days ?? config.defaults.max_source_lag_days;
      out.push({
        system: s.system,
        guard: 'source_freshness',
        held: count((c) => c.excluded_by === 'source_freshness'),
        detail:
          s.newest_day === null
            ? 'no log events in the lake: every grant would look unused'
            : `newest event ${s.newest_day} is ${plural(s.lag_days ?? 0, 'day')} old (allowed ${maxLag}): source silent`,
      });
    }
    const early = count((c) => c.excluded_by === 'observation_window');
    if (early) {
      out.push({
        system: s.system,
        guard: 'observation_window',
        held: early,
        detail: observationDetail(config, s),
      });
    }
    const unobserved = count((c) => c.excluded_by === 'unobserved_permission');
    if (unobserved) {
      const min = config.guards.unobserved_permission.min_holders;
      out.push({
        system: s.system,
        guard: 'unobserved_permission',
        held: unobserved,
        detail: `${plural(unobserved, 'never-used grant')} of permissions that ${min} or more hold and none used in ${plural(s.observed_days, 'day')} of healthy logs: more likely unlogged than unused`,
      });
    }
    const revocable = count((c) => c.revocable);
    const { max_revoke_count: maxCount, max_revoke_fraction: maxFraction } = config.guards;
    if (s.grants > 0 && revocable > 0 && (revocable > maxCount || revocable / s.grants > maxFraction)) {
      out.push({
        system: s.system,
        guard: 'blast_radius',
        held: revocable,
        detail: `would revoke ${revocable} of ${plural(s.grants, 'grant')} (${pct(revocable / s.grants)}; limits ${pct(maxFraction)}, ${maxCount}): revocation list held for review`,
      });
    }
  }
  return out;
}

/**
 * Why the observation window holds a system's grants: its logs are too short yet, or (for a connector whose
 * logs cannot show some grants in use, `unobserved`) those grants can never be judged by their use.
 */
function observationDetail(config: Config, s: SourceEntry): string {
  const short = `logs cover ${plural(s.observed_days, 'day')}, not more than the TTL: never-used grants cannot be judged yet`;
  const id = config.systems[s.system]?.connector;
  const why = id === undefined ? undefined : connectors.get(id)?.unobserved?.why;
  if (why === undefined) return short;
  return `${why}, so such grants are never judged unused; and while logs cover no more than the TTL (${plural(s.observed_days, 'day')} so far), never-used grants cannot be judged yet`;
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** `--allow-blast-radius SYSTEM --reason R`, once per system. */
export interface AllowBlastRadius {
  system: string;
  reason: string;
}

/**
 * Lets a run through the blast-radius guard on the systems an operator named, with a reason, and on those
 * an earlier command allowed for this same run (`recorded`, from the run record): the document loses those
 * guard entries (so the system's list is written, and the run does not exit 3 for them). `overrides` are all
 * that apply; `added` the new ones, to record. Other guards still hold; another run is judged afresh.
 */
export function allowBlastRadius(
  doc: FindingsDocument,
  allows: AllowBlastRadius[],
  recorded: GuardOverride[] = [],
): { doc: FindingsDocument; overrides: GuardOverride[]; added: GuardOverride[]; unused: string[] } {
  const effective = new Map(recorded.filter((o) => o.run_id === doc.run_id).map((o) => [o.system, o]));
  const added: GuardOverride[] = [];
  const unused: string[] = [];
  for (const a of allows) {
    const source = doc.sources.find((s) => s.system === a.system);
    if (!source) throw new UsageError(`--allow-blast-radius ${a.system}: no such system in the run of ${doc.as_of}; systems: ${doc.sources.map((s) => s.system).join(', ')}`);
    const count = doc.guards.find((g) => g.system === a.system && g.guard === 'blast_radius')?.held ?? effective.get(a.system)?.count;
    if (count === undefined) {
      unused.push(a.system);
      continue;
    }
    const o: GuardOverride = {
      system: a.system, guard: 'blast_radius', reason: a.reason, by: whoami(), at: new Date().toISOString(),
      run_id: doc.run_id, as_of: doc.as_of, count, grants: source.grants, fraction: count / source.grants,
    };
    added.push(o);
    effective.set(a.system, o);
  }
  const guards = doc.guards.filter((g) => !(g.guard === 'blast_radius' && effective.has(g.system)));
  return { doc: { ...doc, guards }, overrides: [...effective.values()], added, unused };
}

const RunRecord = z.looseObject({ run_id: z.string(), guards: z.array(GuardEntry), overrides: z.array(GuardOverride).default([]) });

/** The overrides the run record holds for the run of `asOf` (none when there is no record). */
export async function recordedOverrides(lake: Lake, asOf: string): Promise<GuardOverride[]> {
  const text = await lake.readText(layout.runOf(asOf));
  if (!text) return [];
  const run = RunRecord.parse(JSON.parse(text));
  return run.overrides.filter((o) => o.run_id === run.run_id);
}

/**
 * Records new overrides in the run record (`runs/as_of=<d>/run.json`): appended to `overrides` (the audit
 * trail: who, why, how much), and the guard entries they let through leave `guards`, so every reader of the
 * record (the report, `lapse act`) sees that run's list as written, not held.
 */
export async function recordOverrides(lake: Lake, asOf: string, added: GuardOverride[]): Promise<void> {
  if (added.length === 0) return;
  const key = layout.runOf(asOf);
  const text = await lake.readText(key);
  if (!text) return;
  const run = RunRecord.parse(JSON.parse(text));
  const mine = added.filter((o) => o.run_id === run.run_id);
  const allowed = new Set(mine.map((o) => o.system));
  const guards = run.guards.filter((g) => !(g.guard === 'blast_radius' && allowed.has(g.system)));
  await lake.writeText(key, `${JSON.stringify({ ...run, guards, overrides: [...run.overrides, ...mine] }, null, 2)}\n`);
}

/** A summary line; `earlier` when the override was recorded by an earlier command for this run. */
export function overrideLine(o: GuardOverride, earlier = false): string {
  const how = earlier ? `allowed earlier for this run by --allow-blast-radius (${o.by}, ${o.at})` : 'allowed by --allow-blast-radius';
  return `${o.guard} on ${o.system} ${how}: ${o.count} of ${plural(o.grants, 'grant')} (${pct(o.fraction)}); reason: ${o.reason}`;
}

function whoami(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
