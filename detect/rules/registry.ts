import type { Db } from '../../core/db.js';
import { FINDING_ID_MACRO } from '../../core/findings.js';
import { EXCLUDED_BY_IDS, rule, RULES, type ExcludedById, type RuleId } from '../../core/rules.js';

/**
 * The SQL side of the rules registry (core/rules.ts), made before evaluate.sql and lifecycle.sql run:
 * - `lapse_excluded_by(kind, <rule id> := condition, …)`: evaluate.sql gives each rule's condition under
 *   the rule's id (a missing one is a bind error); the first that holds, in the registry's order, names
 *   `excluded_by`; a terminated person's grant only by a rule that holds leavers.
 * - `lapse_rules(id, exempts, reason)`: lifecycle.sql reads a finding's status and `exempt_reason` there.
 * - `lapse_finding_id(system, principal, permission)`: core/findings.ts findingId.
 */
export async function loadRuleRegistry(db: Db): Promise<void> {
  await db.run(FINDING_ID_MACRO);
  await db.run(excludedByMacro());
  await db.run(EXEMPTION_COVERS_MACRO);
  await db.tableFromRows(
    'lapse_rules',
    { id: 'VARCHAR', exempts: 'BOOLEAN', reason: 'VARCHAR' },
    (Object.keys(RULES) as RuleId[]).map((id) => ({ id, exempts: rule(id).exempts, reason: rule(id).reason })),
  );
}

/**
 * `lapse_exemption_covers(x_permission, x_principal, x_person, x_team, permission, principal, person, team)`:
 * whether an exemption names a grant — its permission (exact or glob) and its principal, person, or (an
 * exemption for a team) the person's team. evaluate.sql and explain both match with it.
 */
const EXEMPTION_COVERS_MACRO = `CREATE OR REPLACE TEMP MACRO
  lapse_exemption_covers(x_permission, x_principal, x_person, x_team, permission, principal, person, team) AS
  (x_permission = permission OR permission GLOB x_permission)
  AND (lower(x_principal) = lower(principal) OR x_person = person OR (x_person IS NULL AND x_team = team))`;

/** The macro text: rule ids are the registry's own snake_case names (never input), checked here all the same. */
export function excludedByMacro(): string {
  for (const id of EXCLUDED_BY_IDS) if (!/^[a-z_]+$/.test(id)) throw new Error(`rule id ${id}: not snake_case`);
  const whens = EXCLUDED_BY_IDS.map((id) => `WHEN ${id}${rule(id).leavers ? '' : ` AND kind <> 'terminated'`} THEN '${id}'`);
  return `CREATE OR REPLACE TEMP MACRO lapse_excluded_by(kind, ${EXCLUDED_BY_IDS.join(', ')}) AS
  CASE WHEN kind IS NULL THEN NULL
    ${whens.join('\n    ')}
  END`;
}

/** Why a rule or guard holds a finding, as explain says it (an exemption's own text after its name). */
export function holdExplanation(id: ExcludedById, exemptionText: string | null): string {
  const facts = rule(id);
  return facts.exempts && facts.reason === null ? `${facts.explanation}: ${exemptionText}` : facts.explanation;
}
