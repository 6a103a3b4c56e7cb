/**
 * The rules and guards that keep a finding, or a system's whole revocation list, from action: one entry
 * each, read by every place that names one. detect/evaluate.sql writes each rule's condition under the
 * rule's id, and detect/rules/registry.ts turns this list into the SQL that picks `excluded_by`
 * and the reason a finding gives; explain, the guards, the held lists and the README's table (scripts/
 * rules-reference.ts) read it too.
 */

/** What one rule or guard is and does. */
export interface RuleFacts {
  /** A rule (the config or an exemption excludes the finding) or a guard (lapse cannot judge safely). */
  kind: 'rule' | 'guard';
  /** What it holds back: single findings (named in `excluded_by`), a system's whole list (a guard entry), or both. */
  holds: readonly ('finding' | 'list')[];
  /** Whether it still holds a terminated person's finding (a leaver loses everything else). */
  leavers: boolean;
  /** Whether a finding it holds is `exempted` (status), with `exempt_reason`; else it stays new/open, held. */
  exempts: boolean;
  /** The finding's `exempt_reason` when `exempts`; null: the covering exemption's own text. */
  reason: string | null;
  /** Why it holds a finding, as `lapse explain` says (an exemption's text follows when `reason` is null). */
  explanation: string;
  /** The README's line on it (the `excluded_by` table under "Detection rules, guards and lifecycle"). */
  doc: string;
}

/** Every rule and guard; the order of those holding findings is their precedence for `excluded_by`. */
export const RULES = {
  protected_principal: {
    kind: 'rule', holds: ['finding'], leavers: true, exempts: true,
    reason: 'protected principal',
    explanation: 'the principal is protected (protected_principals): never flagged for action',
    doc: "the principal, its person's email or id is in `protected_principals` (status `exempted`)",
  },
  exemption: {
    kind: 'rule', holds: ['finding'], leavers: false, exempts: true,
    reason: null,
    explanation: 'exempted',
    doc: 'an active `lapse exempt` exemption (or a Jira "won\'t do"/"keep") covers it; `exempt_reason` names it, its owner and expiry (status `exempted`; a terminated person\'s grants are never exempted)',
  },
  emergency_only: {
    kind: 'rule', holds: ['finding'], leavers: false, exempts: true,
    reason: 'emergency-only (break-glass) permission',
    explanation: 'the permission is emergency-only (break-glass): rarely used by design, never revoked',
    doc: 'the permission is break-glass: rarely used by design (status `exempted`)',
  },
  on_leave: {
    kind: 'rule', holds: ['finding'], leavers: false, exempts: true,
    reason: 'the person is on leave',
    explanation: 'the person is on leave (directory status leave, or a leave period): nothing of theirs is revoked while away',
    doc: 'the person is on leave as of the run (directory `status: leave` until `leave_until`, or a period in `directory.leave`); their TTL clocks pause for the leave\'s days (status `exempted`)',
  },
  source_freshness: {
    kind: 'guard', holds: ['finding', 'list'], leavers: false, exempts: false,
    reason: null,
    explanation: "the system's logs are silent: lapse cannot tell unused from unlogged",
    doc: '**guard**: the system\'s newest event is older than `max_source_lag_days` (or it has none): every grant would look unused, so none of its findings is acted on (a leaver\'s stays flagged, but the system\'s whole revocation list is held) and a "source silent" guard entry says why',
  },
  observation_window: {
    kind: 'guard', holds: ['finding'], leavers: false, exempts: false,
    reason: null,
    explanation: "the logs do not yet cover the TTL, or cannot show this grant in use (its connector's logs omit such use): non-use cannot be judged",
    doc: "**guard**: a never-used grant old enough to judge, but the logs cover fewer days than its TTL; or a stale or never-used grant whose system's logs cannot show it in use (a connector's `unobserved`, e.g. Azure Reader and data-plane roles: the activity log holds only writes)",
  },
  unobserved_permission: {
    kind: 'guard', holds: ['finding'], leavers: false, exempts: false,
    reason: null,
    explanation: 'no holder of this permission has used it in a window longer than its TTL: its use is more likely unlogged than unused by all',
    doc: '**guard**: at least `guards.unobserved_permission.min_holders` hold the permission and none has used it in a window longer than its TTL while the logs are healthy: its never-used findings are held (confidence low), never revoked',
  },
  blast_radius: {
    kind: 'guard', holds: ['list'], leavers: true, exempts: false,
    reason: null,
    explanation: "the system's revocation list would revoke too many of its grants: held for review",
    doc: "**guard**: the system's revocation list would revoke more than `guards.max_revoke_fraction` of its grants or more than `guards.max_revoke_count`: the whole list is held for review",
  },
} as const satisfies Record<string, RuleFacts>;

export type RuleId = keyof typeof RULES;
type Facts<K extends RuleId> = (typeof RULES)[K];

/** Rules and guards that hold single findings: the values of `excluded_by`. */
export type ExcludedById = { [K in RuleId]: 'finding' extends Facts<K>['holds'][number] ? K : never }[RuleId];
/** Guards: the names of guard entries in the findings document. */
export type GuardId = { [K in RuleId]: Facts<K>['kind'] extends 'guard' ? K : never }[RuleId];

const ids = Object.keys(RULES) as RuleId[];

/** The values of `excluded_by`, in precedence order (the first that holds a finding names it). */
export const EXCLUDED_BY_IDS = ids.filter((id) => (RULES[id].holds as readonly string[]).includes('finding')) as [ExcludedById, ...ExcludedById[]];

/** The guards' names. */
export const GUARD_IDS = ids.filter((id) => RULES[id].kind === 'guard') as [GuardId, ...GuardId[]];

/** The facts of a rule or guard by id. */
export function rule(id: RuleId): RuleFacts {
  return RULES[id];
}

/** Whether a guard entry of this guard holds its system's whole revocation list (the others hold single findings). */
export function holdsList(id: RuleId): boolean {
  return (RULES[id].holds as readonly string[]).includes('list');
}
