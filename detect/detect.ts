import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AsOfTables, StageContext } from '../core/context.js';
import { daysBetween, type Day } from '../core/days.js';
import { sqlFile, sqlString } from '../core/db.js';
import { timer } from '../core/log.js';
import { linkOrCopy } from '../core/store.js';
import { canonicalJson, sha256 } from '../core/hash.js';
import { layout, partition } from '../core/layout.js';
import { Finding, FindingCount, FindingsDocument, type GuardEntry, type SourceEntry } from '../core/model.js';
import { guardEntries } from './guards.js';
import { listRestores, listRevocations } from '../core/records.js';
import { loadPeopleContext } from './people.js';
import { resolveIdentities } from './resolve.js';
import { loadRules } from './rules/config.js';
import { loadRuleRegistry } from './rules/registry.js';
import { grantRules } from './rules/match.js';
import { REVOCABLE_SQL } from '../core/findings.js';
import { columns, emptyRelation, findings, selectList } from '../core/relations.js';
import { RHYTHM, RHYTHM_MACROS } from '../core/rhythm.js';
import { SUGGEST_RULES } from './suggest.js';

const EVALUATE = sqlFile(import.meta.url, 'evaluate.sql');
const LIFECYCLE = sqlFile(import.meta.url, 'lifecycle.sql');

/** A finding as the document reads it (dates as text), in the document's order. */
const FINDING_COLUMNS = selectList(findings);
/** Unioned by name with a stored findings file: a column it was written without (label) reads as NULL. */
const NO_FINDINGS = emptyRelation(findings);

/** The findings of a run's document: everything but resolutions of earlier runs (kept as history). */
const IN_DOCUMENT = `(status <> 'resolved' OR resolved_on = $as_of)`;

/** A run's detection: the document without its findings, their counts, and the findings on demand. */
export interface Detection extends Omit<FindingsDocument, 'findings'> {
  counts: FindingCount[];
  /** The whole findings document (reads the findings into memory: for actions and `--json`). */
  load(): Promise<FindingsDocument>;
}

/**
 * Judges every grant as of the loaded day (`tables` from aggregate's `loadAsOf`), gives findings their
 * lifecycle status, applies the guards, and stores the findings in the lake under the as-of day.
 * Everything that scales with the grants stays in DuckDB: findings reach JS only through `load()`.
 */
export async function detect(ctx: StageContext, tables: AsOfTables): Promise<Detection> {
  const { db, config } = ctx;
  const asOf = tables.as_of;
  const t = timer();
  await evaluate(ctx, asOf);
  const evaluate_ms = t();
  await loadPrevious(ctx, asOf);
  // The findings go straight to a file (lifecycle.sql), read back as the view lapse_findings.
  const file = join(await ctx.lake.scratch(), `findings-${randomUUID()}.parquet`);
  await db.run(LIFECYCLE.replace('{{findings_file}}', sqlString(file)), {
    as_of: asOf,
    grace_days: config.lifecycle.grace_days,
    anomaly_threshold: config.cold_start.anomaly_threshold,
    min_confidence: config.revocations?.min_confidence ?? 'high',
  });
  await db.run(`CREATE OR REPLACE TEMP VIEW lapse_findings AS ${findingsFile(file)}`);
  const lifecycle_ms = t();
  const counts = (await db.all(COUNTS, { as_of: asOf })).map((r) => FindingCount.parse(r));
  const { sources, silent } = await sourceEntries(ctx, asOf);
  const guards = guardEntries(config, counts, sources, silent);
  const counts_ms = t();
  const run_id = await runId(ctx, asOf, guards, sources);
  const meta = { as_of: asOf, run_id, guards, sources };
  const run_id_ms = t();
  await store(ctx, meta, counts, file);
  ctx.log.debug({ stage: 'detect', evaluate_ms, lifecycle_ms, counts_ms, run_id_ms, store_ms: t() }, 'detect phases');
  const findings = counts.reduce((a, c) => a + c.n, 0);
  ctx.log.info({ stage: 'detect', as_of: asOf, run_id, findings, guards: guards.length }, 'detect done');
  return { ...meta, counts, load: async () => ({ ...meta, findings: await readFindings(ctx, 'lapse_findings', asOf) }) };
}

const COUNTS = `SELECT system, kind, status, excluded_by, ${REVOCABLE_SQL} AS revocable, count(*) AS n
  FROM lapse_findings WHERE ${IN_DOCUMENT} GROUP BY ALL ORDER BY ALL`;

/** The findings of a run's document from a findings relation (this run's file, or a stored one). */
async function readFindings(ctx: StageContext, relation: string, asOf: Day): Promise<Finding[]> {
  const rows = await ctx.db.all<Finding>(
    `SELECT ${FINDING_COLUMNS} FROM ${relation} WHERE ${IN_DOCUMENT} ORDER BY system, principal, permission`,
    { as_of: asOf },
  );
  // Rows of lapse's own findings file: the schema is checked on the first row, not per row.
  if (rows[0]) Finding.parse(rows[0]);
  return rows;
}

/** Judges every grant into `lapse_eval` (see evaluate.sql). */
export async function evaluate(ctx: StageContext, asOf: Day): Promise<void> {
  const { db, config } = ctx;
  await loadRules(ctx, asOf);
  await loadRuleRegistry(db);
  await resolveIdentities(ctx);
  await loadPeopleContext(ctx, asOf);
  await grantRules(db);
  await db.run(RHYTHM_MACROS);
  await db.run(EVALUATE, {
    as_of: asOf,
    default_ttl: config.defaults.ttl_days,
    default_lag: config.defaults.max_source_lag_days,
    min_team_size: config.cold_start.min_team_size,
    anomaly_threshold: config.cold_start.anomaly_threshold,
    move_grace: config.team_moves.grace_days,
    old_team_share: config.team_moves.old_team_share,
    new_team_share: config.team_moves.new_team_share,
    min_holders: config.guards.unobserved_permission.min_holders,
    // A grant's own rhythm (docs/rhythm.md), with suggest-ttl's margin and ceiling.
    recent_days: RHYTHM.recent_days,
    regular_days: RHYTHM.regular_days,
    episode_gap: RHYTHM.episode_gap_days,
    margin: SUGGEST_RULES.margin,
    max_ttl: SUGGEST_RULES.max_ttl_days,
  });
}

/**
 * Content-addressed: the same inputs as of the same day give the same run id (and list paths). The
 * findings are hashed in DuckDB, row by row in a fixed order.
 */
async function runId(ctx: StageContext, asOf: Day, guards: GuardEntry[], sources: SourceEntry[]): Promise<string> {
  const row = await ctx.db.one<{ h: string | null }>(
    // A sum of 64-bit row hashes: independent of row order, cheap on millions of findings.
    `SELECT sum(hash(f))::VARCHAR AS h FROM (SELECT ${FINDING_COLUMNS} FROM lapse_findings WHERE ${IN_DOCUMENT}) f`,
    { as_of: asOf },
  );
  return `${asOf}-${sha256(`${row?.h ?? ''}${canonicalJson({ guards, sources })}`).slice(0, 8)}`;
}

/**
 * What detect knew of each system's source, and the systems evaluate.sql judged silent (source_freshness).
 * Read from lapse_judged, one row per grant as lapse_eval, without the view's joins (0.3-0.6 s at 10M grants).
 */
async function sourceEntries(ctx: StageContext, asOf: Day): Promise<{ sources: SourceEntry[]; silent: Set<string> }> {
  const rows = await ctx.db.all<{
    system: string; first_day: string | null; newest_day: string | null; grants: number; snapshot: string | null;
    unresolved_count: number; unresolved: string[] | null; silent: boolean | null;
  }>(
    `WITH per_system AS (
       SELECT system, count(*) AS grants, count(DISTINCT principal) FILTER (WHERE person IS NULL) AS unresolved_count,
              bool_or(silent) AS silent
       FROM lapse_judged GROUP BY system
     ),
     unresolved AS (
       SELECT system, list(principal ORDER BY principal)[1:50] AS unresolved
       FROM (SELECT DISTINCT system, principal FROM lapse_judged WHERE person IS NULL) GROUP BY system
     ),
     snapshots AS (SELECT system, max(snapshot)::VARCHAR AS snapshot FROM lapse_grants GROUP BY system)
     SELECT s.system, src.first_day::VARCHAR AS first_day, src.newest_day::VARCHAR AS newest_day,
            coalesce(p.grants, 0) AS grants, sn.snapshot, coalesce(p.unresolved_count, 0) AS unresolved_count, u.unresolved,
            p.silent
     FROM (SELECT unnest($systems) AS system) s
     LEFT JOIN lapse_sources src USING (system)
     LEFT JOIN per_system p USING (system)
     LEFT JOIN unresolved u USING (system)
     LEFT JOIN snapshots sn USING (system)
     ORDER BY s.system`,
    { systems: Object.keys(ctx.config.systems) },
  );
  // Counted before the as-of day, so a re-run of the same day (after its own lists were written) sees
  // the same numbers and gets the same run id.
  const revocations = (await listRevocations(ctx.lake)).filter((r) => r.as_of < asOf);
  const revokedIds = new Set(revocations.map((r) => r.finding_id));
  const restores = (await listRestores(ctx.lake)).filter((r) => r.requested_at.slice(0, 10) < asOf && revokedIds.has(r.finding_id));
  const count = <T extends { system: string }>(list: T[], system: string) => list.filter((x) => x.system === system).length;
  const sources = rows.map((r) => ({
    system: r.system,
    first_day: r.first_day,
    newest_day: r.newest_day,
    lag_days: r.newest_day ? daysBetween(r.newest_day, asOf) : null,
    observed_days: r.first_day ? daysBetween(r.first_day, asOf) : 0,
    grants: r.grants,
    grants_snapshot: r.snapshot,
    unresolved_count: r.unresolved_count,
    unresolved_principals: (r.unresolved ?? []).slice(0, 50),
    revoked: new Set(revocations.filter((x) => x.system === r.system).map((x) => x.finding_id)).size,
    restored_after_revocation: count(restores, r.system),
  }));
  return { sources, silent: new Set(rows.filter((r) => r.silent).map((r) => r.system)) };
}

/** The most recent earlier run's findings, as `lapse_prev` (empty on the first run). */
async function loadPrevious(ctx: StageContext, asOf: Day): Promise<void> {
  const earlier = (await ctx.lake.list(layout.findings))
    .map((o) => ({ key: o.key, day: partition(o.key, 'as_of') ?? '' }))
    .filter((o) => o.day && o.day < asOf && o.key.endsWith('.parquet'))
    .sort((a, b) => (a.day < b.day ? 1 : -1));
  if (earlier.length === 0) {
    await ctx.db.run(`CREATE OR REPLACE TEMP VIEW lapse_prev AS ${NO_FINDINGS}`);
    return;
  }
  const [file] = await ctx.lake.localPaths([earlier[0]!.key]);
  // A view: the file is read where lifecycle.sql joins it (a table of millions of findings costs seconds to fill).
  await ctx.db.run(`CREATE OR REPLACE TEMP VIEW lapse_prev AS ${findingsFile(file!)}`);
}

/**
 * A findings file as the findings relation: its own columns only. A file from before a column existed reads
 * it as NULL, and one that carried its `as_of` partition as a column (runs before 2026-12) leaves it behind.
 */
function findingsFile(path: string): string {
  const own = columns(findings).map(([name]) => sqlString(name)).join(', ');
  return `SELECT COLUMNS(c -> list_contains([${own}], c)) FROM read_parquet(${sqlString(path)}, hive_partitioning = false)
    UNION ALL BY NAME ${NO_FINDINGS}`;
}

/** Stores the run's findings `file` (by a second name: the lake moves the file it is given, and lapse_findings reads this one). */
async function store(ctx: StageContext, run: Omit<FindingsDocument, 'findings'>, counts: FindingCount[], file: string): Promise<void> {
  // The run id is content-addressed: the same id means the same findings, already stored.
  const stored = await ctx.lake.readText(layout.runOf(run.as_of));
  if (stored && (JSON.parse(stored) as { run_id: string }).run_id === run.run_id) return;
  const out = `${file}.put`;
  await linkOrCopy(file, out);
  await ctx.lake.putFile(layout.findingsOf(run.as_of), out);
  await ctx.lake.writeText(layout.runOf(run.as_of), `${JSON.stringify({ ...run, counts }, null, 2)}\n`);
}

/** The stored findings document of a day (for `lapse act`), or of the newest run when `asOf` is omitted. */
export async function loadFindings(ctx: StageContext, asOf?: Day): Promise<FindingsDocument | undefined> {
  const runs = (await ctx.lake.list(layout.runs)).map((o) => partition(o.key, 'as_of')).filter((d): d is string => !!d).sort();
  const day = asOf ?? runs.at(-1);
  if (!day) return undefined;
  const runText = await ctx.lake.readText(layout.runOf(day));
  if (!runText) return undefined;
  const run = JSON.parse(runText) as Omit<FindingsDocument, 'findings'>;
  const [file] = await ctx.lake.localPaths([layout.findingsOf(day)]);
  const findings = await readFindings(ctx, `(${findingsFile(file!)})`, day);
  return FindingsDocument.parse({ as_of: run.as_of, run_id: run.run_id, findings, guards: run.guards, sources: run.sources });
}
