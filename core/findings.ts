import { shortId } from './hash.js';
import type { Finding, FindingKind, FindingStatus } from './model.js';

/** Statuses no action touches: gone (resolved), or excluded by a rule that exempts (core/rules.ts). */
const SETTLED: readonly FindingStatus[] = ['resolved', 'exempted'];

/** A finding an action may act on: flagged now, not exempted, not held by a rule or guard. */
export function isActionable(f: Pick<Finding, 'status' | 'excluded_by'>): boolean {
  return !SETTLED.includes(f.status) && f.excluded_by === null;
}

/**
 * An actionable finding that goes on a revocation list as of `day`: past its grace period (stale,
 * never used), at once (terminated), or confirmed by a manager's `revoke` (anomalies). A guard holding
 * the system's whole list (core/rules.ts `holdsList`) keeps it off that list all the same.
 */
export function isRevocable(f: Pick<Finding, 'status' | 'excluded_by' | 'revocable_from'>, day: string): boolean {
  return isActionable(f) && f.revocable_from !== null && f.revocable_from <= day;
}

/**
 * isRevocable over a findings relation (columns status, excluded_by, revocable_from; the day as the
 * parameter `$as_of`): detect's counts use it. core/findings.test.ts checks both agree on every case.
 */
export const REVOCABLE_SQL = `coalesce(status NOT IN (${SETTLED.map((s) => `'${s}'`).join(', ')}) AND excluded_by IS NULL AND revocable_from <= $as_of, false)`;

/** Kinds a manager decides (keep or revoke): lapse never revokes them on its own. */
export const MANAGER_KINDS: readonly FindingKind[] = ['cold_start_anomaly', 'team_move'];

export const decidedByManager = (f: Pick<Finding, 'kind'>): boolean => MANAGER_KINDS.includes(f.kind);

/** The reason a revocation list gives for a finding. */
export function revocationReason(f: Finding): 'stale' | 'never_used' | 'terminated' | 'confirmed_anomaly' | 'confirmed_team_move' {
  if (f.kind === 'cold_start_anomaly') return 'confirmed_anomaly';
  if (f.kind === 'team_move') return 'confirmed_team_move';
  return f.kind;
}

/** The stable id of a (system, principal, permission) finding. */
export function findingId(system: string, principal: string, permission: string): string {
  return shortId('f', system, principal, permission);
}

/**
 * findingId as a DuckDB macro, `lapse_finding_id(system, principal, permission)`, which evaluate.sql
 * calls: core/hash.ts shortId (sha256 of the parts joined by U+001F, 16 hex digits) written in SQL.
 * core/findings.test.ts checks both give the same id.
 */
export const FINDING_ID_MACRO = `CREATE OR REPLACE TEMP MACRO lapse_finding_id(system, principal, permission) AS
  'f_' || left(sha256(system || chr(31) || principal || chr(31) || permission), 16)`;
