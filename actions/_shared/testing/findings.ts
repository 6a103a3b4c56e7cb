import type { Finding, FindingsDocument } from '../../../core/model.js';

/** The day the actions' tests run on. */
export const AS_OF = '2026-06-30';

/**
 * A finding for the actions' tests: a stale, open, high-confidence grant of `principal` on `system`
 * (its person and email taken from the principal, team eng, manager boss@corp.example), with `over`
 * changing any field. Its id is made from system, principal and permission unless given.
 */
export function finding(over: Partial<Finding> & Pick<Finding, 'system' | 'principal' | 'permission'>): Finding {
  return {
    finding_id: `f_${over.system}_${over.principal}_${over.permission}`.replace(/[^A-Za-z0-9_]/g, '_'),
    kind: 'stale',
    person: over.principal.split('@')[0]!,
    email: over.principal,
    team: 'eng',
    manager: 'boss@corp.example',
    via: 'direct',
    last_used: '2026-01-01',
    days_unused: 180,
    ttl_days: 90,
    granted_at: '2025-06-01',
    score: null,
    baseline: null,
    status: 'open',
    first_flagged: '2026-06-20',
    revocable_from: '2026-06-20',
    resolved_on: null,
    confidence: 'high',
    confidence_reason: 'test',
    move: null,
    leave_days: 0,
    label: null,
    decision: null,
    excluded_by: null,
    exempt_reason: null,
    ...over,
  };
}

/** A run's findings document: no guards, no sources. */
export function doc(findings: Finding[], asOf = AS_OF): FindingsDocument {
  return { as_of: asOf, run_id: `${asOf}-aaaaaaaa`, findings, guards: [], sources: [] };
}
