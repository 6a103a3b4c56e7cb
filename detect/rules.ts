import type { Config } from '../core/config.js';
import type { Day } from '../core/days.js';
import { latestDecisions } from '../core/decisions.js';
import { activeOn, listExemptions } from '../core/exemptions.js';
import type { StageContext } from '../core/context.js';

/**
 * Loads what evaluate.sql and lifecycle.sql join besides the lake's usage: the config's TTLs and
 * per-permission rules, protected principals, the exemptions active on the as-of day, and the newest
 * decision per finding.
 */
export async function loadRules({ db, config, lake }: StageContext, asOf: Day): Promise<void> {
  const systems = Object.entries(config.systems);
  await db.tableFromRows(
    'lapse_system_rules',
    { system: 'VARCHAR', ttl_days: 'INTEGER', max_lag_days: 'INTEGER' },
    systems.map(([system, s]) => ({ system, ttl_days: s.ttl_days ?? null, max_lag_days: s.max_source_lag_days ?? null })),
  );
  await db.tableFromRows(
    'lapse_permission_rules',
    { system: 'VARCHAR', permission: 'VARCHAR', ttl_days: 'INTEGER', emergency_only: 'BOOLEAN', periodic: 'BOOLEAN' },
    systems.flatMap(([system, s]) =>
      Object.entries(s.permissions).map(([permission, r]) => ({
        system, permission, ttl_days: r.ttl_days ?? null, emergency_only: r.emergency_only, periodic: r.periodic,
      })),
    ),
  );
  await db.tableFromRows('lapse_protected', { value: 'VARCHAR' }, protectedValues(config));
  const exemptions = (await listExemptions(lake)).filter((e) => activeOn(e, asOf));
  await db.tableFromRows(
    'lapse_exemptions',
    { exemption_id: 'VARCHAR', system: 'VARCHAR', permission: 'VARCHAR', principal: 'VARCHAR', person: 'VARCHAR', owner: 'VARCHAR', reason: 'VARCHAR', until: 'DATE' },
    exemptions.map(({ exemption_id, system, permission, principal, person, owner, reason, until }) => ({
      exemption_id, system, permission, principal, person, owner, reason, until,
    })),
  );
  const decisions = await latestDecisions(lake, asOf);
  await db.tableFromRows(
    'lapse_decisions',
    { finding_id: 'VARCHAR', decision: 'VARCHAR' },
    [...decisions.values()].map((d) => ({ finding_id: d.finding_id, decision: d.decision })),
  );
}

function protectedValues(config: Config): { value: string }[] {
  return config.protected_principals.map((p) => ({ value: p.toLowerCase() }));
}
