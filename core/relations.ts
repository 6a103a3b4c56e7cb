import { z } from 'zod';
import { Day, Finding, Person } from './model.js';
import { sqlType, sqlTypes } from './sqltypes.js';

/**
 * The named relations one stage hands to another, each defined once: a zod schema (the row as JS reads
 * it), from which its DuckDB column types, DDL, empty relation and select list are derived, the stage
 * that produces it and what it reads (dbt's `ref()`: a relation names its inputs). A relation internal
 * to one stage's SQL is not here. Tests check each producer's output against its entry.
 */
export interface Relation<S extends z.ZodObject = z.ZodObject> {
  /** The DuckDB name (a temp table or view) or, for a lake file kind, its folder in the lake. */
  readonly name: string;
  readonly schema: S;
  readonly stage: Stage;
  /** The relations it is made from. */
  readonly reads: readonly string[];
  readonly doc: string;
}

export type Stage = 'ingest' | 'aggregate' | 'detect';

const Timestamp = sqlType(z.string(), 'TIMESTAMPTZ');
const Int64 = sqlType(z.number(), 'BIGINT');
const Int32 = sqlType(z.number(), 'INTEGER');

// Lake files (ingest writes them; aggregate reads them).

export const usage = relation({
  name: 'usage',
  stage: 'ingest',
  reads: ['events'],
  doc: 'Daily use summaries: uses per (system, day, principal, permission) and source object, with their time span.',
  schema: z.object({
    system: z.string(), day: Day, principal: z.string(), permission: z.string(), source: z.string(), uses: Int64,
    first_seen: Timestamp, last_seen: Timestamp,
  }),
});

export const actions = relation({
  name: 'actions',
  stage: 'ingest',
  reads: ['events'],
  doc:
    "Daily action summaries of a system with `actions: true`: uses per (system, day, principal, permission, action) and source object; " +
    "iam: the action is a name the system's authorisation model grants (false: kept as logged, never recommended away).",
  schema: z.object({
    system: z.string(), day: Day, principal: z.string(), permission: z.string(), action: z.string(), iam: z.boolean(), source: z.string(),
    uses: Int64, first_seen: Timestamp, last_seen: Timestamp,
  }),
});

export const objects = relation({
  name: 'objects',
  stage: 'ingest',
  reads: ['events'],
  doc: 'The object ledger (the commit point): each source object ingested, its batch, record counts and time span.',
  schema: z.object({
    system: z.string(), object_id: z.string(), uri: z.string(), size: Int64, mtime_ms: Int64, batch: z.string(),
    records: Int64, uses: Int64, dropped: Int64, first_seen: Timestamp.nullable(), last_seen: Timestamp.nullable(),
  }),
});

export const grantsSnapshot = relation({
  name: 'grants',
  stage: 'ingest',
  reads: [],
  doc: "A system's grants snapshot of a day, each grant with the first snapshot day it was seen and its permission's display label.",
  schema: z.object({
    system: z.string(), day: Day, principal: z.string(), permission: z.string(), granted_at: Day.nullable(),
    via: z.string().nullable(), first_seen: Day.nullable(),
    /** The permission's display name, when the snapshot gives one (snapshots written before it existed read null). */
    label: z.string().nullable(),
  }),
});

export const directory = relation({
  name: 'directory',
  stage: 'ingest',
  reads: [],
  doc: 'The directory of a day: people, their team, manager, status and aliases.',
  schema: z.object({ day: Day, ...Person.shape }),
});

// The as-of relations (aggregate's loadAsOf; detect and explain read them).

export const sources = relation({
  name: 'lapse_sources',
  stage: 'aggregate',
  reads: ['objects'],
  doc: "What each system's logs cover: first and newest event day up to the as-of day.",
  schema: z.object({ system: z.string(), first_day: Day.nullable(), newest_day: Day.nullable() }),
});

export const grants = relation({
  name: 'lapse_grants',
  stage: 'aggregate',
  reads: ['grants'],
  doc: 'The newest grants snapshot on or before the as-of day, per system.',
  schema: z.object({
    system: z.string(), principal: z.string(), permission: z.string(), granted_at: Day.nullable(), via: z.string().nullable(),
    first_seen: Day.nullable(), snapshot: Day, label: z.string().nullable(),
  }),
});

export const people = relation({
  name: 'lapse_people',
  stage: 'aggregate',
  reads: ['directory'],
  doc: 'The newest directory on or before the as-of day.',
  schema: Person,
});

export const moves = relation({
  name: 'lapse_moves',
  stage: 'aggregate',
  reads: ['directory'],
  doc: "Each person's newest team move up to the as-of day (from every directory snapshot): the old team and the day.",
  schema: z.object({ person: z.string(), from_team: z.string(), moved_on: Day }),
});

export const directoryLeave = relation({
  name: 'lapse_directory_leave',
  stage: 'aggregate',
  reads: ['directory'],
  doc: 'Leave periods the directory shows (status leave), from every snapshot: to leave_until (null: open) while on leave.',
  schema: z.object({ person: z.string(), from_day: Day, to_day: Day.nullable() }),
});

export const lastUse = relation({
  name: 'lapse_last_use',
  stage: 'aggregate',
  reads: ['usage', 'objects'],
  doc: 'First and last use of each (system, principal, permission) up to the as-of day, its newest use days and their rhythm: the rollup, or a replay.',
  schema: z.object({
    system: z.string(), principal: z.string(), permission: z.string(), first_used: Day, last_used: Day,
    /** The newest distinct use days, ascending, at most core/rhythm.ts `recent_days` (a rollup written before them reads null). */
    recent_days: z.array(Day).nullable(),
    /** Their rhythm (core/rhythm.ts): the regular use's last day when the last use is a lone stray, and the longest gap. */
    regular_until: Day.nullable(), longest_gap: Int32.nullable(),
  }),
});

export const activeDays = relation({
  name: 'lapse_active_days',
  stage: 'aggregate',
  reads: ['usage', 'objects'],
  doc: 'Every day each (system, principal, permission) was used up to the as-of day (loadHistory: suggest-ttl, backtest).',
  schema: z.object({ system: z.string(), principal: z.string(), permission: z.string(), day: Day }),
});

export const actionUses = relation({
  name: 'lapse_action_uses',
  stage: 'aggregate',
  reads: ['actions', 'objects'],
  doc: 'Uses of each action per (system, principal, permission) over a window of days (loadActionUses; principals lower-cased): uses, days used, first and last use.',
  schema: z.object({
    system: z.string(), principal: z.string(), permission: z.string(), action: z.string(), iam: z.boolean(), uses: Int64, days: Int32,
    first_seen: Timestamp, last_seen: Timestamp,
  }),
});

export const actionCoverage = relation({
  name: 'lapse_action_coverage',
  stage: 'aggregate',
  reads: ['actions', 'objects'],
  doc: 'The first and last day each system has action summaries, up to the window end (loadActionUses): a system observed for less than the window starts after it.',
  schema: z.object({ system: z.string(), first_day: Day, last_day: Day }),
});

// detect's output (stored in the lake under the as-of day; the previous run's is read back).

export const findings = relation({
  name: 'lapse_findings',
  stage: 'detect',
  reads: ['lapse_grants', 'lapse_people', 'lapse_sources', 'lapse_last_use', 'lapse_findings'],
  doc: 'Every flagged grant with its evidence and lifecycle (against the previous run), and resolved findings kept as history.',
  schema: Finding,
});

/** Every registered relation, in the order the stages produce them. */
export const RELATIONS: readonly Relation[] = [
  usage, actions, objects, grantsSnapshot, directory, sources, grants, people, moves, directoryLeave, lastUse, activeDays, actionUses, actionCoverage,
  findings,
];

function relation<S extends z.ZodObject>(r: Relation<S>): Relation<S> {
  return r;
}

/** `[name, DuckDB type]` per column, in the schema's order. */
export function columns(r: Relation): [string, string][] {
  return Object.entries(r.schema.shape).map(([name, schema]) => [name, sqlTypeOf(schema as z.ZodType, `${r.name}.${name}`)]);
}

/** The column list of a CREATE TABLE. */
export const ddl = (r: Relation): string => columns(r).map(([n, t]) => `${n} ${t}`).join(', ');

/** A relation with these columns and no rows (a lake with no files of a kind yet). */
export const emptyRelation = (r: Relation): string =>
  `SELECT ${columns(r).map(([n, t]) => `NULL::${t} AS ${n}`).join(', ')} WHERE false`;

/** The select list that reads rows as the schema parses them: dates and timestamps (nested ones too) as text, in schema order. */
export const selectList = (r: Relation): string =>
  columns(r).map(([n, t]) => (asText(t) === t ? n : `${n}::${asText(t)} AS ${n}`)).join(', ');

/** A type with its dates and timestamps as VARCHAR (the JSON document's days are text). */
const asText = (type: string): string => type.replace(/\b(DATE|TIMESTAMPTZ)\b/g, 'VARCHAR');

/** The DuckDB type of a zod schema: the type set with sqlType(), else from its kind (text, number, boolean, struct, list). */
export function sqlTypeOf(schema: z.ZodType, where: string): string {
  const set = sqlTypes.get(schema)?.sql;
  if (set) return set;
  const def = schema._zod.def as { type: string; innerType?: z.ZodType; element?: z.ZodType; shape?: Record<string, z.ZodType> };
  switch (def.type) {
    case 'nullable':
    case 'optional':
    case 'default':
      return sqlTypeOf(def.innerType!, where);
    case 'string':
    case 'enum':
    case 'literal':
      return 'VARCHAR';
    case 'number':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'array':
      return `${sqlTypeOf(def.element!, where)}[]`;
    case 'object':
      return `STRUCT(${Object.entries(def.shape!).map(([k, v]) => `${k} ${sqlTypeOf(v, `${where}.${k}`)}`).join(', ')})`;
    default:
      throw new Error(`${where}: no DuckDB type for a zod ${def.type}; set one with sqlType()`);
  }
}
