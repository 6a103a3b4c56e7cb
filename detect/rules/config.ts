import type { Config } from '../../core/config.js';
import { isDay, type Day } from '../../core/days.js';
import { isGlob, literalChars } from '../../core/glob.js';
import { sqlIdent, type Db } from '../../core/db.js';
import { LapseError } from '../../core/errors.js';
import { latestDecisions } from '../../core/decisions.js';
import { activeOn, listExemptions } from '../../core/exemptions.js';
import type { StageContext } from '../../core/context.js';
import { connectorById } from '../../connectors/index.js';

/**
 * Loads what evaluate.sql and lifecycle.sql join besides the lake's usage: the config's TTLs (and per
 * system the grants its connector says its logs cannot show in use) and
 * permission rules (matched to grants by match.ts), protected principals, the exemptions active on the
 * as-of day, and the newest decision per finding.
 */
export async function loadRules({ db, config, lake }: StageContext, asOf: Day): Promise<void> {
  const systems = Object.entries(config.systems);
  await loadTable(
    db,
    'lapse_system_rules',
    { system: 'VARCHAR', ttl_days: 'INTEGER', max_lag_days: 'INTEGER', unobserved_via: 'VARCHAR' },
    systems.map(([system, s]) => ({
      system, ttl_days: s.ttl_days ?? null, max_lag_days: s.max_source_lag_days ?? null,
      // Grants the system's logs cannot show in use (connectors/_shared/define.ts `unobserved`).
      unobserved_via: connectorById(s.connector).unobserved?.via ?? null,
    })),
  );
  await loadPermissionRules(db, config);
  await loadTable(db, 'lapse_protected', { value: 'VARCHAR' }, protectedValues(config));
  const exemptions = (await listExemptions(lake)).filter((e) => activeOn(e, asOf));
  await loadTable(
    db,
    'lapse_exemptions',
    { exemption_id: 'VARCHAR', system: 'VARCHAR', permission: 'VARCHAR', principal: 'VARCHAR', person: 'VARCHAR', team: 'VARCHAR', owner: 'VARCHAR', reason: 'VARCHAR', until: 'DATE' },
    exemptions.map(({ exemption_id, system, permission, principal, person, team, owner, reason, until }) => ({
      exemption_id, system, permission, principal, person, team: team ?? null, owner, reason, until,
    })),
  );
  const decisions = await latestDecisions(lake, asOf);
  await loadTable(
    db,
    'lapse_decisions',
    { finding_id: 'VARCHAR', decision: 'VARCHAR' },
    [...decisions.values()].map((d) => ({ finding_id: d.finding_id, decision: d.decision })),
  );
}

/**
 * `lapse_permission_rules`: one row per configured rule, its key (an exact name or a glob) in `rule`, with
 * what match.sql ranks matches by (`position`: the key's order in its system; `literals`: the key's
 * literal characters); `lapse_permission_rule_teams`: the teams a scoped rule is limited to.
 */
async function loadPermissionRules(db: Db, config: Config): Promise<void> {
  const rules = Object.entries(config.systems).flatMap(([system, s]) =>
    Object.entries(s.permissions).map(([rule, r], position) => ({ system, rule, position, r })),
  );
  await loadTable(
    db,
    'lapse_permission_rules',
    {
      system: 'VARCHAR', rule: 'VARCHAR', position: 'INTEGER', is_glob: 'BOOLEAN', literals: 'INTEGER', scoped: 'BOOLEAN',
      ttl_days: 'INTEGER', emergency_only: 'BOOLEAN', periodic: 'BOOLEAN', on_call: 'BOOLEAN', description: 'VARCHAR',
    },
    rules.map(({ system, rule, position, r }) => ({
      system, rule, position, is_glob: isGlob(rule), literals: literalChars(rule), scoped: r.teams !== undefined,
      ttl_days: r.ttl_days ?? null, emergency_only: r.emergency_only, periodic: r.periodic, on_call: r.on_call,
      description: r.description ?? null,
    })),
  );
  await loadTable(
    db,
    'lapse_permission_rule_teams',
    { system: 'VARCHAR', rule: 'VARCHAR', team: 'VARCHAR' },
    rules.flatMap(({ system, rule, r }) => (r.teams ?? []).map((team) => ({ system, rule, team }))),
  );
}

function protectedValues(config: Config): { value: string }[] {
  return config.protected_principals.map((p) => ({ value: p.toLowerCase() }));
}

/** What a JSON value must be for its column to hold it exactly (from_json turns a misfit into NULL or rounds it). */
const FITS: Record<string, (v: unknown) => boolean> = {
  VARCHAR: (v) => typeof v === 'string',
  INTEGER: (v) => Number.isInteger(v) && Math.abs(v as number) <= 2 ** 31 - 1,
  BOOLEAN: (v) => typeof v === 'boolean',
  DATE: (v) => typeof v === 'string' && isDay(v),
};

/**
 * Loads rows into a temp table, typed the same on both sides: a value its column cannot hold stops the
 * run, where from_json would load NULL (a NULL TTL falls back to another TTL) or round it.
 */
async function loadTable(db: Db, table: string, columns: Record<string, string>, rows: Record<string, unknown>[]): Promise<void> {
  const present = Object.fromEntries(Object.keys(columns).map((c) => [c, 0]));
  for (const row of rows) {
    for (const [column, type] of Object.entries(columns)) {
      const value = row[column];
      if (value === null || value === undefined) continue;
      const fits = FITS[type];
      if (!fits) throw new LapseError('internal', `${table}.${column}: no check for type ${type}`);
      if (!fits(value)) {
        throw new LapseError('internal', `${table}.${column}: ${JSON.stringify(value)} is not a ${type} (in ${JSON.stringify(row)})`);
      }
      present[column]! += 1;
    }
  }
  await db.tableFromRows(table, columns, rows);
  // And the engine agrees: as many values came out as went in.
  const counts = await db.one<Record<string, number>>(
    `SELECT ${Object.keys(columns).map((c) => `count(${sqlIdent(c)})::INTEGER AS ${sqlIdent(c)}`).join(', ')} FROM ${sqlIdent(table)}`,
  );
  for (const [column, n] of Object.entries(present)) {
    if (counts?.[column] !== n) throw new LapseError('internal', `${table}.${column}: ${n} values loaded as ${counts?.[column] ?? 0}`);
  }
}
