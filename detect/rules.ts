import type { Config } from '../core/config.js';
import type { Db } from '../core/db.js';

/** Loads the config's TTLs, per-permission rules and protected principals into tables evaluate.sql joins. */
export async function loadRules(db: Db, config: Config): Promise<void> {
  const systems = Object.entries(config.systems);
  await db.tableFromRows(
    'lapse_system_rules',
    { system: 'VARCHAR', ttl_days: 'INTEGER', max_lag_days: 'INTEGER' },
    systems.map(([system, s]) => ({ system, ttl_days: s.ttl_days ?? null, max_lag_days: s.max_source_lag_days ?? null })),
  );
  await db.tableFromRows(
    'lapse_permission_rules',
    { system: 'VARCHAR', permission: 'VARCHAR', ttl_days: 'INTEGER', emergency_only: 'BOOLEAN' },
    systems.flatMap(([system, s]) =>
      Object.entries(s.permissions).map(([permission, r]) => ({
        system, permission, ttl_days: r.ttl_days ?? null, emergency_only: r.emergency_only,
      })),
    ),
  );
  await db.tableFromRows(
    'lapse_protected',
    { value: 'VARCHAR' },
    config.protected_principals.map((p) => ({ value: p.toLowerCase() })),
  );
}
