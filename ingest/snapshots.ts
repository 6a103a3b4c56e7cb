import { dirname, join } from 'node:path';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { GrantsSource, SystemConfig } from '../core/config.js';
import { resolvePath } from '../core/config.js';
import type { StageContext } from '../core/context.js';
import { isDay, type Day } from '../core/days.js';
import { sqlFile, sqlString } from '../core/db.js';
import { sha256 } from '../core/hash.js';
import { lapseVersion } from '../core/version.js';
import { messageOf, SourceError } from '../core/errors.js';
import { layout, partition } from '../core/layout.js';
import { connectorById, formatOf, stageRecords } from '../connectors/index.js';
import { openGithubGrants } from '../connectors/github_audit/api.js';
import { openOktaGrants } from '../connectors/okta_system_log/api.js';

const GRANTS_SQL = sqlFile(import.meta.url, 'grants.sql');
const DIRECTORY_SQL = sqlFile(import.meta.url, 'directory.sql');

export interface SnapshotReport {
  name: string;
  rows: number;
  quarantined: Record<string, number>;
  /** Why an API grants source wrote no snapshot this run. */
  failed?: string;
}

interface SnapshotSpec {
  name: string;
  file: string;
  format: 'jsonl' | 'csv' | 'native';
  /** Stages the records into the table itself (native exports); default: the generic reader. */
  stage?: (table: string) => Promise<void>;
  fields: string[];
  stageTable: string;
  validateSql: string;
  /** SELECT list over the validated rows written to Parquet. */
  select: string;
  groupBy?: string;
  key: string;
  quarantineKey: string;
  /** Grants: carry each grant's first-seen day from the previous snapshot (detect reads only the newest). */
  firstSeen?: FirstSeen;
  /** What else decides the rows (a native reader's connector and options). */
  reader?: unknown;
}

/**
 * Copies a grants snapshot into the lake as of `day`: one row per (principal, permission), rows that
 * cannot be grants quarantined with their record number and reason.
 */
export async function snapshotGrants(ctx: StageContext, system: string, sys: SystemConfig, day: Day): Promise<SnapshotReport> {
  if (sys.grants.path === undefined) return apiGrants(ctx, system, sys, day);
  const file = resolvePath(ctx.config, sys.grants.path);
  const format = await formatFor(file, sys.grants);
  return grantsFrom(ctx, system, sys, day, file, format);
}

async function grantsFrom(ctx: StageContext, system: string, sys: SystemConfig, day: Day, file: string, format: 'jsonl' | 'csv' | 'native') {
  const stage = format === 'native' ? nativeGrants(ctx, system, sys, file) : undefined;
  return snapshot(ctx, {
    name: `${system} grants`,
    file,
    format,
    ...(stage && { stage }),
    fields: ['principal', 'permission', 'granted_at', 'via', 'label'],
    stageTable: 'lapse_grants_raw',
    validateSql: GRANTS_SQL,
    // A grant reached two ways keeps one label (the first, should the rows disagree).
    select: `principal, permission, min(granted_at) AS granted_at, string_agg(DISTINCT via, ';' ORDER BY via) AS via, min(label) AS label`,
    groupBy: 'principal, permission',
    key: layout.grantsSnapshot(system, day),
    quarantineKey: layout.grantsQuarantine(system, day),
    firstSeen: await previousSnapshot(ctx, system, day),
    ...(format === 'native' && { reader: { connector: sys.connector, options: connectorById(sys.connector).options.parse(sys) } }),
  });
}

/**
 * Grants read from the vendor's API (`grants: { okta: … }` or `{ github: … }`): the records are kept in
 * the lake's raw area for audit, then read by the connector's native grants reader like an export. If the
 * API fails, no snapshot is written for the day (the previous one stays the newest) and the report says why.
 */
async function apiGrants(ctx: StageContext, system: string, sys: SystemConfig, day: Day): Promise<SnapshotReport> {
  const field = `systems.${system}.grants`;
  const source = grantsApi(ctx, sys, field);
  let records;
  try {
    records = await (await source.open()).grants();
  } catch (err) {
    const failed = messageOf(err);
    ctx.log.error({ stage: 'ingest', system, field: source.field, error: failed }, `${source.field}: the ${source.name} API failed; no grants snapshot today`);
    return { name: `${system} grants`, rows: 0, quarantined: {}, failed };
  }
  const text = records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
  const file = join(await ctx.lake.scratch(), `${system}-grants.jsonl`);
  await writeFile(file, text);
  const gz = `${file}.gz`;
  await writeFile(gz, gzipSync(text));
  await ctx.lake.putFile(layout.rawGrants(system, source.name, day), gz);
  return grantsFrom(ctx, system, sys, day, file, 'native');
}

/** The API a grants source names. */
function grantsApi(ctx: StageContext, sys: SystemConfig, field: string) {
  if (sys.grants.okta !== undefined) {
    const conn = sys.grants.okta;
    return { name: 'okta', field: `${field}.okta`, open: () => openOktaGrants(conn, `${field}.okta`, ctx.log) };
  }
  if (sys.grants.github !== undefined) {
    const conn = sys.grants.github;
    return { name: 'github', field: `${field}.github`, open: () => openGithubGrants(conn, `${field}.github`, ctx.log) };
  }
  throw new SourceError(`${field}: grants need path, okta or github`);
}

interface FirstSeen {
  day: Day;
  previous: string | null;
  /** What identifies the previous snapshot (its input's hash, else its key and size): today's is rewritten when it changed. */
  previousInput: string | null;
  previousDay: Day | null;
  /** Snapshots written before first_seen existed count from their own day. */
  previousHasFirstSeen: boolean;
}

/** The newest grants snapshot of a system before `day`, whose first-seen days carry forward. */
async function previousSnapshot(ctx: StageContext, system: string, day: Day): Promise<FirstSeen> {
  const earlier = (await ctx.lake.list(`${layout.grants}system=${system}/`))
    .map((o) => ({ key: o.key, size: o.size, day: partition(o.key, 'day') ?? '' }))
    .filter((o) => o.day && o.day < day && o.key.endsWith('.parquet'))
    .sort((a, b) => (a.day < b.day ? 1 : -1))[0];
  if (!earlier) return { day, previous: null, previousInput: null, previousDay: null, previousHasFirstSeen: false };
  const [path] = await ctx.lake.localPaths([earlier.key]);
  const columns = await ctx.db.all<{ column_name: string }>('DESCRIBE SELECT * FROM read_parquet($path)', { path: path! });
  const previousInput = (await inputHashOf(ctx, path!)) ?? `${earlier.key}:${earlier.size}`;
  return { day, previous: path!, previousInput, previousDay: earlier.day, previousHasFirstSeen: columns.some((c) => c.column_name === 'first_seen') };
}

/** Copies the directory (people, teams, managers, aliases) into the lake as of `day`. */
export async function snapshotDirectory(ctx: StageContext, day: Day): Promise<SnapshotReport> {
  return directorySnapshot(ctx, resolvePath(ctx.config, ctx.config.directory.path), day, 'directory');
}

/**
 * Loads `directory.history` (a folder of `YYYY-MM-DD.csv` or `.jsonl` files, each the whole directory as
 * of its day) as past snapshots: only days before `today` the lake has no directory for, so a snapshot
 * lapse took itself is never replaced.
 */
export async function snapshotDirectoryHistory(ctx: StageContext, today: Day): Promise<SnapshotReport[]> {
  const folder = ctx.config.directory.history;
  if (folder === undefined) return [];
  const dir = resolvePath(ctx.config, folder);
  const names = await readdir(dir).catch((err: Error) => {
    throw new SourceError(`directory.history: cannot read ${dir}: ${err.message}`);
  });
  const have = new Set((await ctx.lake.list(layout.directory)).map((o) => partition(o.key, 'day')));
  const out: SnapshotReport[] = [];
  for (const name of names.sort()) {
    const day = /^(\d{4}-\d{2}-\d{2})\.(csv|jsonl)$/.exec(name)?.[1];
    if (!day || !isDay(day)) {
      ctx.log.warn({ stage: 'ingest', file: join(dir, name) }, 'directory.history: not a YYYY-MM-DD.csv or .jsonl file; skipped');
      continue;
    }
    if (day >= today || have.has(day)) continue;
    out.push(await directorySnapshot(ctx, join(dir, name), day, `directory ${day}`));
  }
  return out;
}

async function directorySnapshot(ctx: StageContext, file: string, day: Day, name: string): Promise<SnapshotReport> {
  return snapshot(ctx, {
    name,
    file,
    format: await formatFor(file, {}),
    fields: ['id', 'email', 'team', 'manager', 'status', 'aliases', 'start_date', 'leave_until'],
    stageTable: 'lapse_people_raw',
    validateSql: DIRECTORY_SQL,
    select: 'id, email, team, manager, status, aliases, start_date, leave_until',
    key: layout.directorySnapshot(day),
    quarantineKey: layout.directoryQuarantine(day),
  });
}

/** Stages the system's own grants export with its connector's reader (`format: native`). */
function nativeGrants(ctx: StageContext, system: string, sys: SystemConfig, file: string) {
  const connector = connectorById(sys.connector);
  if (!connector.grants) {
    throw new SourceError(`${system}: connector ${connector.id} has no native grants reader; use format jsonl or csv`);
  }
  const reader = connector.grants;
  return async (table: string) => {
    const options = connector.options.parse(sys);
    const query = await reader.query({ system, options, files: [file], db: ctx.db });
    try {
      await ctx.db.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${query.sql}`, query.params);
    } finally {
      await query.cleanup?.();
    }
  };
}

async function formatFor(file: string, source: Pick<Partial<GrantsSource>, 'format'>): Promise<'jsonl' | 'csv' | 'native'> {
  if (!(await stat(file).catch(() => undefined))?.isFile()) throw new SourceError(`${file}: no such file`);
  const format = source.format ?? formatOf(file);
  if (!format) throw new SourceError(`${file}: cannot tell the format from the name; set format: jsonl or csv`);
  return format;
}

function withFirstSeen(rows: string, f: FirstSeen): string {
  if (!f.previous) return `SELECT *, $day::DATE AS first_seen FROM (${rows})`;
  const seen = f.previousHasFirstSeen ? 'first_seen' : '$previous_day::DATE AS first_seen';
  const prev = `SELECT principal, permission, ${seen} FROM read_parquet($previous)`;
  return `SELECT g.*, coalesce(p.first_seen, $day::DATE) AS first_seen FROM (${rows}) g LEFT JOIN (${prev}) p USING (principal, permission)`;
}

async function snapshot(ctx: StageContext, spec: SnapshotSpec): Promise<SnapshotReport> {
  const { db, lake } = ctx;
  const input = await inputOf(spec);
  const unchanged = await unchangedSnapshot(ctx, spec, input);
  if (unchanged) return unchanged;
  if (spec.stage) await spec.stage(spec.stageTable);
  else if (spec.format !== 'native') await stageRecords(db, spec.stageTable, [spec.file], spec.fields, spec.format);
  await db.run(`CREATE OR REPLACE TEMP TABLE lapse_snapshot AS ${spec.validateSql}`);
  const bad = await db.all<{ ord: number | null; bad: string; raw: string | null }>(
    `SELECT (ord - (SELECT min(ord) FROM lapse_snapshot) + 1)::BIGINT AS ord, bad, raw
     FROM lapse_snapshot WHERE bad IS NOT NULL ORDER BY ord NULLS LAST`,
  );
  const quarantined: Record<string, number> = {};
  const split = (b: string) => ({ reason: b.split(': ')[0]!, detail: b.includes(': ') ? b.slice(b.indexOf(': ') + 2) : null });
  for (const b of bad) quarantined[split(b.bad).reason] = (quarantined[split(b.bad).reason] ?? 0) + 1;
  if (bad.length) {
    const lines = bad.map((b) => JSON.stringify({ source: spec.file, record: b.ord, ...split(b.bad), raw: b.raw }));
    await lake.writeText(spec.quarantineKey, `${lines.join('\n')}\n`);
    ctx.log.warn({ stage: 'ingest', source: spec.file, quarantined }, 'records quarantined');
  } else {
    await lake.remove([spec.quarantineKey]);
  }
  const out = join(await lake.scratch(), 'snapshot.parquet');
  const group = spec.groupBy ? `GROUP BY ${spec.groupBy}` : '';
  const rowsSql = `SELECT ${spec.select} FROM lapse_snapshot WHERE bad IS NULL ${group}`;
  const copy = `COPY (${spec.firstSeen ? withFirstSeen(rowsSql, spec.firstSeen) : rowsSql} ORDER BY ALL) TO ${sqlString(out)}`;
  // The input's hash is hex: it is not a value from outside, and COPY's options take no parameters.
  await db.run(`${copy} (FORMAT parquet, KV_METADATA { ${INPUT_KEY}: '${input}' })`, {
    ...(spec.firstSeen && { day: spec.firstSeen.day }),
    ...(spec.firstSeen?.previous && { previous: spec.firstSeen.previous }),
    ...(spec.firstSeen?.previous && !spec.firstSeen.previousHasFirstSeen && { previous_day: spec.firstSeen.previousDay! }),
  });
  const rows = (await db.one<{ n: number }>(`SELECT count(*) AS n FROM read_parquet($out)`, { out }))?.n ?? 0;
  await lake.putFile(spec.key, out);
  await db.run(`DROP TABLE IF EXISTS ${spec.stageTable}; DROP TABLE IF EXISTS lapse_snapshot`);
  return { name: spec.name, rows, quarantined };
}

/** The Parquet key-value entry holding the hash of what a snapshot was made from. */
const INPUT_KEY = 'lapse_snapshot_input';

/**
 * The hash of everything a snapshot's rows come from: the input file's path, size and mtime, how it is
 * read and validated, the previous snapshot first-seen days carry forward from, and lapse's version.
 */
async function inputOf(spec: SnapshotSpec): Promise<string> {
  const { size, mtimeMs } = await stat(spec.file);
  const { stage: _stage, firstSeen, ...rest } = spec;
  const carried = firstSeen && { day: firstSeen.day, previous: firstSeen.previousInput, had: firstSeen.previousHasFirstSeen };
  return sha256(JSON.stringify({ version: lapseVersion(), size, mtimeMs, spec: rest, firstSeen: carried ?? null }));
}

/** The input hash a snapshot was written with; undefined for one written before lapse kept it. */
async function inputHashOf(ctx: StageContext, path: string): Promise<string | undefined> {
  const meta = await ctx.db.all<{ key: string; value: string }>(
    'SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata($path)',
    { path },
  );
  return meta.find((m) => m.key === INPUT_KEY)?.value;
}

/**
 * The report of the day's snapshot when it is already in the lake, made from the same input (path, size
 * and mtime of the file unchanged): the daily run then neither reads the file again nor rewrites it.
 * Its quarantine counts are read back from the quarantine file written with it.
 */
async function unchangedSnapshot(ctx: StageContext, spec: SnapshotSpec, input: string): Promise<SnapshotReport | undefined> {
  const { db, lake } = ctx;
  const there = (await lake.list(`${dirname(spec.key)}/`)).some((o) => o.key === spec.key);
  if (!there) return undefined;
  const [path] = await lake.localPaths([spec.key]);
  if ((await inputHashOf(ctx, path!)) !== input) return undefined;
  const rows = (await db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM read_parquet($path)', { path: path! }))?.n ?? 0;
  const quarantined: Record<string, number> = {};
  for (const line of ((await lake.readText(spec.quarantineKey)) ?? '').split('\n')) {
    if (line.trim() === '') continue;
    const reason = (JSON.parse(line) as { reason: string }).reason;
    quarantined[reason] = (quarantined[reason] ?? 0) + 1;
  }
  ctx.log.debug({ stage: 'ingest', source: spec.file, key: spec.key }, 'snapshot unchanged; kept');
  return { name: spec.name, rows, quarantined };
}
