import { sqlFile, sqlIdent, type Db } from '../../core/db.js';

const MATCH = sqlFile(import.meta.url, 'match.sql');
const GRANTS = sqlFile(import.meta.url, 'grants.sql');

/**
 * `lapse_rule_winners`: the winning permission rule per (system, permission, team) for the permissions of
 * `relation` (see match.sql). Needs loadRules' tables.
 */
export async function matchRules(db: Db, relation: 'lapse_grants' | 'lapse_permission_ids'): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP VIEW lapse_rule_permissions AS SELECT system, permission FROM ${sqlIdent(relation)}`);
  await db.run(MATCH);
}

/**
 * `lapse_grant_rules`: each grant's winning rule, and team exemptions as their members (see grants.sql).
 * Needs loadRules' tables and lapse_resolve (a holder's team decides team-scoped rules).
 */
export async function grantRules(db: Db): Promise<void> {
  await matchRules(db, 'lapse_grants');
  await db.run(GRANTS);
}
