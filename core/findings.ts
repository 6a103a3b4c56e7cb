import type { Finding } from './model.js';

/** A finding an action may act on: flagged now, not exempted, not held by a rule or guard. */
export function isActionable(f: Finding): boolean {
  return f.status !== 'resolved' && f.status !== 'exempted' && f.excluded_by === null;
}

/** An actionable finding whose remedy is taking the grant away (anomalies wait for a manager). */
export function isRevocable(f: Finding): boolean {
  return isActionable(f) && (f.kind === 'stale' || f.kind === 'never_used' || f.kind === 'terminated');
}
