import type { StageContext } from '../core/context.js';
import type { Day } from '../core/days.js';
import { sqlFile } from '../core/db.js';
import { StoreError, messageOf } from '../core/errors.js';
import { layout, partition } from '../core/layout.js';
import { listRestores, listRevocations, type RestoreRecord } from '../core/records.js';

const RUNS = sqlFile(import.meta.url, 'runs.sql');
const TREND = sqlFile(import.meta.url, 'trend.sql');
const FINDINGS = sqlFile(import.meta.url, 'findings.sql');
const BY_SYSTEM = sqlFile(import.meta.url, 'by_system.sql');
const BY_TEAM = sqlFile(import.meta.url, 'by_team.sql');
const TOP_PERMISSIONS = sqlFile(import.meta.url, 'top_permissions.sql');
const OLDEST = sqlFile(import.meta.url, 'oldest.sql');

/** How many rows the "top" sections show. */
export const LIMITS = { teams: 15, permissions: 12, oldest: 15, restores: 10, guard_runs: 30 } as const;

/** Findings counted by lifecycle: flagged (new, open, reappeared), and of those new, held, revocable; exempted; resolved. */
export interface FindingCounts {
  flagged: number;
  new: number;
  held: number;
  revocable: number;
  exempted: number;
  resolved: number;
}

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
  /** Distinct grants lapse's revocation lists took away (up to `--as-of` when given). */
  revoked: number;
  /** Of those, grants given back with `lapse restore`. */
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
  const trend = await db.all<TrendRow>(TREND);
  const { revocations, restores } = await regretRecords(ctx, asOf);
  return {
    lake: lake.uri,
    as_of: day,
    run_id: runs.at(-1)!.run_id,
    runs,
    systems: [...new Set(trend.map((t) => t.system))].sort(),
    trend,
    by_system: await db.all<SystemKindRow>(BY_SYSTEM, { as_of: day }),
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
    regret: regretBySystem(revocations, restores),
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

function regretBySystem(revocations: { system: string; finding_id: string }[], restores: RestoreRecord[]): RegretRow[] {
  const systems = [...new Set(revocations.map((r) => r.system))].sort();
  return systems.map((system) => ({
    system,
    revoked: new Set(revocations.filter((r) => r.system === system).map((r) => r.finding_id)).size,
    restored: new Set(restores.filter((r) => r.system === system).map((r) => r.finding_id)).size,
  }));
}
