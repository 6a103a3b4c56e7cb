import type { StageContext } from '../core/context.js';
import { headline, type Headline, type RevokedMeasure } from '../core/counts.js';
import type { Day } from '../core/days.js';
import { sqlFile } from '../core/db.js';
import { StoreError, messageOf } from '../core/errors.js';
import { layout, partition } from '../core/layout.js';
import type { FindingCount, GuardEntry } from '../core/model.js';
import { listRestores, listRevocations, type RestoreRecord } from '../core/records.js';
import { appliedAcks, openLists } from '../lists/index.js';

const RUNS = sqlFile(import.meta.url, 'runs.sql');
const FINDINGS = sqlFile(import.meta.url, 'findings.sql');
const BY_TEAM = sqlFile(import.meta.url, 'by_team.sql');
const TOP_PERMISSIONS = sqlFile(import.meta.url, 'top_permissions.sql');
const OLDEST = sqlFile(import.meta.url, 'oldest.sql');

/** How many rows the "top" sections show. */
export const LIMITS = { teams: 15, permissions: 12, oldest: 15, restores: 10, guard_runs: 30 } as const;

/** Findings counted by lifecycle, as defined once in core/counts.ts (flagged, new, held, revocable, exempted, resolved). */
export type FindingCounts = Headline;

export interface TrendRow extends FindingCounts {
  as_of: Day;
  system: string;
  guard_held: number;
  revoked: number;
  restored: number;
}

export interface SystemKindRow extends FindingCounts {
  system: string;
  kind: string;
}

export interface TeamRow {
  team: string | null;
  kind: string;
  flagged: number;
  actionable: number;
  people: number;
  team_total: number;
}

export interface PermissionRow {
  system: string;
  permission: string;
  label: string | null;
  flagged: number;
  stale: number;
  never_used: number;
  held: number;
  holders: number | null;
  median_days_unused: number | null;
  max_days_unused: number | null;
}

export interface OldestRow {
  system: string;
  principal: string;
  person: string | null;
  team: string | null;
  permission: string;
  label: string | null;
  kind: string;
  status: string;
  excluded_by: string | null;
  last_used: Day | null;
  granted_at: Day | null;
  days_unused: number | null;
  ttl_days: number;
}

export interface GuardRow {
  as_of: Day;
  system: string;
  guard: string;
  held: number;
  detail: string;
}

export interface SourceRow {
  system: string;
  first_day: Day | null;
  newest_day: Day | null;
  lag_days: number | null;
  observed_days: number;
  grants: number;
  unresolved_count: number;
}

export interface RegretRow {
  system: string;
  /** Distinct grants put on lapse's (not held) revocation lists (up to `--as-of` when given). */
  put_on_lists: number;
  /** Of those, grants a revoker acknowledged as revoked (ack.jsonl `applied`); null when the acks cannot be read. */
  revoked: number | null;
  /** Of the revoked (or, without acks, of those put on lists), grants given back with `lapse restore`. */
  restored: number;
}

/** Everything the page shows, read from the lake; `renderReport` turns it into HTML. */
export interface ReportData {
  lake: string;
  as_of: Day;
  run_id: string;
  runs: { as_of: Day; run_id: string }[];
  systems: string[];
  trend: TrendRow[];
  by_system: SystemKindRow[];
  by_team: TeamRow[];
  top_permissions: PermissionRow[];
  oldest: OldestRow[];
  guards: GuardRow[];
  sources: SourceRow[];
  regret: RegretRow[];
  /** What `regret` counts as taken away: revocations acknowledged by a revoker, or entries put on lists. */
  revoked_measure: RevokedMeasure;
  /** Why the acks were not read, when `revoked_measure` is put_on_lists. */
  revoked_note: string | null;
  restores: RestoreRecord[];
}

/**
 * Reads the report's data from the lake: every run up to `asOf` (default: all) for the trends, and the
 * newest of them for the current picture. Throws a StoreError when the lake holds no run.
 */
export async function buildReport(ctx: StageContext, asOf?: Day): Promise<ReportData> {
  const { db, lake } = ctx;
  const runKeys = (await lake.list(layout.runs))
    .map((o) => ({ key: o.key, day: partition(o.key, 'as_of') }))
    .filter((r): r is { key: string; day: string } => !!r.day && r.key === layout.runOf(r.day) && (asOf === undefined || r.day <= asOf))
    .sort((a, b) => (a.day < b.day ? -1 : 1));
  const current = runKeys.at(-1);
  if (!current) {
    throw new StoreError(`no runs in ${lake.uri}${asOf ? ` on or before ${asOf}` : ''}: run lapse run (or lapse detect) first`);
  }
  const day = current.day;
  try {
    await db.run(RUNS, { files: await lake.localPaths(runKeys.map((r) => r.key)) });
  } catch (err) {
    throw new StoreError(`cannot read the run summaries under ${lake.uri}/${layout.runs}: ${messageOf(err)}`, { cause: err });
  }
  const runs = await db.all<{ as_of: Day; run_id: string }>('SELECT as_of::VARCHAR AS as_of, run_id FROM report_runs ORDER BY as_of');
  const sources = await db.all<SourceRow & { grants_snapshot: Day | null }>(
    `SELECT s.system, s.first_day::VARCHAR AS first_day, s.newest_day::VARCHAR AS newest_day, s.lag_days, s.observed_days,
            s.grants, s.unresolved_count, s.grants_snapshot::VARCHAR AS grants_snapshot
     FROM (SELECT unnest(sources) AS s FROM report_runs WHERE as_of = $as_of::DATE) ORDER BY s.system`,
    { as_of: day },
  );
  await loadFindings(ctx, day, sources);
  const stored = await db.all<RunRow>('SELECT as_of::VARCHAR AS as_of, counts, guards, sources FROM report_runs ORDER BY as_of');
  const trend = trendRows(stored);
  const { revocations, restores } = await regretRecords(ctx, asOf);
  const regret = await regretBySystem(ctx, asOf, revocations, restores);
  return {
    lake: lake.uri,
    as_of: day,
    run_id: runs.at(-1)!.run_id,
    runs,
    systems: [...new Set(trend.map((t) => t.system))].sort(),
    trend,
    by_system: bySystemKind(stored.find((r) => r.as_of === day)!),
    by_team: await db.all<TeamRow>(BY_TEAM),
    top_permissions: await db.all<PermissionRow>(TOP_PERMISSIONS, { limit: LIMITS.permissions }),
    oldest: await db.all<OldestRow>(OLDEST, { limit: LIMITS.oldest }),
    guards: await db.all<GuardRow>(
      `SELECT as_of::VARCHAR AS as_of, g.system, g.guard, g.held, g.detail
       FROM (SELECT as_of, unnest(guards) AS g FROM report_runs) ORDER BY as_of DESC, g.system, g.guard`,
    ),
    sources: sources.map(({ system, first_day, newest_day, lag_days, observed_days, grants, unresolved_count }) => ({
      system, first_day, newest_day, lag_days, observed_days, grants, unresolved_count,
    })),
    regret: regret.rows,
    revoked_measure: regret.measure,
    revoked_note: regret.note,
    restores: restores.slice(-LIMITS.restores).reverse(),
  };
}

/** The run's findings (report_findings) and the holders of each permission in its grants snapshots (report_holders). */
async function loadFindings(ctx: StageContext, day: Day, sources: { system: string; grants_snapshot: Day | null }[]): Promise<void> {
  const { db, lake } = ctx;
  const key = layout.findingsOf(day);
  if ((await lake.list(key)).length === 0) throw new StoreError(`${lake.uri}/${key} is missing: the run of ${day} has no findings file`);
  const [findings] = await lake.localPaths([key]);
  await db.run(FINDINGS, { findings: findings!, as_of: day });
  const snapshots: string[] = [];
  for (const s of sources) {
    if (!s.grants_snapshot) continue;
    const k = layout.grantsSnapshot(s.system, s.grants_snapshot);
    if ((await lake.list(k)).length) snapshots.push(k);
  }
  if (snapshots.length === 0) {
    await db.run('CREATE OR REPLACE TEMP TABLE report_holders (system VARCHAR, permission VARCHAR, holders BIGINT)');
    return;
  }
  await db.run(
    `CREATE OR REPLACE TEMP TABLE report_holders AS SELECT system, permission, count(*) AS holders
     FROM read_parquet($files, hive_partitioning = true) GROUP BY ALL`,
    { files: await lake.localPaths(snapshots) },
  );
}

/**
 * Revocation records, and the restores of grants lapse had revoked (detect counts
 * `restored_after_revocation` the same way): all of them, or up to `asOf` when the report is of a past day.
 * (A restore is usually requested after the newest run: without `--as-of` it counts at once.)
 */
async function regretRecords(ctx: StageContext, asOf: Day | undefined) {
  const until = asOf ?? '9999-12-31';
  const revocations = (await listRevocations(ctx.lake)).filter((r) => r.as_of <= until);
  const revoked = new Set(revocations.map((r) => r.finding_id));
  const restores = (await listRestores(ctx.lake)).filter((r) => r.requested_at.slice(0, 10) <= until && revoked.has(r.finding_id));
  return { revocations, restores };
}

/**
 * Per system: grants put on lists (the records), grants a revoker acknowledged as revoked (the acks in
 * `revocations.target`, when the config has one and it can be read), and restores of them
 * (applied restore acks; without acks, restore requests of grants put on lists). See core/counts.ts.
 */
async function regretBySystem(
  ctx: StageContext, asOf: Day | undefined, revocations: { system: string; finding_id: string }[], restores: RestoreRecord[],
): Promise<{ rows: RegretRow[]; measure: RevokedMeasure; note: string | null }> {
  const onLists = (system: string) => new Set(revocations.filter((r) => r.system === system).map((r) => r.finding_id));
  const requested = (system: string) => new Set(restores.filter((r) => r.system === system).map((r) => r.finding_id));
  const { acked, note } = await readAcks(ctx, asOf);
  const systems = [...new Set([...revocations.map((r) => r.system), ...[...acked].filter(([, a]) => a.revoked.size).map(([s]) => s)])].sort();
  const rows = systems.map((system): RegretRow => {
    const a = note === null ? acked.get(system) : undefined;
    if (!a) return { system, put_on_lists: onLists(system).size, revoked: null, restored: requested(system).size };
    return { system, put_on_lists: onLists(system).size, revoked: a.revoked.size, restored: [...a.restored].filter((f) => a.revoked.has(f)).length };
  });
  return { rows, measure: note === null ? 'revoked' : 'put_on_lists', note };
}

/** Finding ids a revoker acknowledged as revoked and as restored, per system. */
export type Acks = Map<string, { revoked: Set<string>; restored: Set<string> }>;

/**
 * The revokers' acks in `revocations.target` (up to `asOf`), per system; empty with a note saying why
 * when the config has no target or the acks cannot be read.
 */
export async function readAcks(ctx: StageContext, asOf: Day | undefined): Promise<{ acked: Acks; note: string | null }> {
  const target = openLists(ctx.config);
  if (!target) return { acked: new Map(), note: 'the config has no revocations.target, so the revokers\' acks cannot be read' };
  const acked: Acks = new Map();
  try {
    for (const system of Object.keys(ctx.config.systems)) acked.set(system, await appliedAcks(target, system, asOf));
    return { acked, note: null };
  } catch (err) {
    return { acked: new Map(), note: `the revokers' acks in ${target.uri} cannot be read: ${messageOf(err)}` };
  } finally {
    await target.cleanup();
  }
}

/** A stored run as the report reads it: its count cells, guards and sources (runs.sql). */
interface RunRow {
  as_of: Day;
  counts: FindingCount[];
  guards: GuardEntry[];
  sources: { system: string; revoked: number | null; restored_after_revocation: number | null }[];
}

/**
 * Findings over time: one row per (run, system), every system of every run present (0 when it had none),
 * so each line of the trend chart has a point at every run; the counts as core/counts.ts defines them,
 * guard_held (grants the run's guards held back), and revoked and restored as the run's sources saw them
 * (grants put on lists before the run, and restore requests of them).
 */
function trendRows(runs: RunRow[]): TrendRow[] {
  const systems = [...new Set(runs.flatMap((r) => [...r.counts.map((c) => c.system), ...r.sources.map((s) => s.system)]))].sort();
  return runs.flatMap((run) =>
    systems.map((system) => {
      const source = run.sources.find((s) => s.system === system);
      return {
        as_of: run.as_of,
        system,
        ...headline(run.counts.filter((c) => c.system === system), run.guards),
        guard_held: run.guards.filter((g) => g.system === system).reduce((a, g) => a + g.held, 0),
        revoked: source?.revoked ?? 0,
        restored: source?.restored_after_revocation ?? 0,
      };
    }),
  );
}

/** The run's findings per (system, kind), counted as core/counts.ts defines them. */
function bySystemKind(run: RunRow): SystemKindRow[] {
  const keys = [...new Set(run.counts.map((c) => `${c.system}\u0000${c.kind}`))].sort();
  return keys.map((key) => {
    const [system, kind] = key.split('\u0000') as [string, string];
    return { system, kind, ...headline(run.counts.filter((c) => c.system === system && c.kind === kind), run.guards) };
  });
}
