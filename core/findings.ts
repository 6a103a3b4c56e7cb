import { shortId } from './hash.js';
import type { Finding } from './model.js';

/** A finding an action may act on: flagged now, not exempted, not held by a rule or guard. */
export function isActionable(f: Finding): boolean {
  return f.status !== 'resolved' && f.status !== 'exempted' && f.excluded_by === null;
}

/**
 * An actionable finding that goes on a revocation list as of `day`: past its grace period (stale,
 * never used), at once (terminated), or confirmed by a manager's `revoke` (anomalies).
 */
export function isRevocable(f: Finding, day: string): boolean {
  return isActionable(f) && f.revocable_from !== null && f.revocable_from <= day;
}

/** The reason a revocation list gives for a finding. */
export function revocationReason(f: Finding): 'stale' | 'never_used' | 'terminated' | 'confirmed_anomaly' {
  return f.kind === 'cold_start_anomaly' ? 'confirmed_anomaly' : f.kind;
}

/** The stable id of a (system, principal, permission) finding; detect/evaluate.sql computes the same. */
export function findingId(system: string, principal: string, permission: string): string {
  return shortId('f', system, principal, permission);
}
