import { addDays, type Day } from '../../core/days.js';
import { rule, type RuleId } from '../../core/rules.js';

/** One held grant as grants.sql reads it: detect's judgement and the run's finding, if any. */
export interface GrantRow {
  person: string;
  system: string;
  principal: string;
  permission: string;
  /** The permission's display name from the grants snapshot, if any. */
  label: string | null;
  via: string | null;
  granted_at: Day | null;
  last_used: Day | null;
  days_unused: number | null;
  ttl_days: number;
  emergency_only: boolean;
  protected: boolean;
  exemption_text: string | null;
  kind: string | null;
  excluded_by: string | null;
  status: string | null;
  decision: string | null;
  first_flagged: Day | null;
  revocable_from: Day | null;
  score: number | null;
  exempt_reason: string | null;
}

/**
 * What happens to a grant next: `in_use` (lapses on a day unless used), `flagged` (unused past its TTL,
 * lapses on its revocable day unless used), `awaiting_decision` (unusual for the team: the manager
 * or a team move: the manager decides), `held` (a rule or guard keeps it from action), `exempted`, `unknown` (no logs to judge by).
 */
export type GrantState = 'in_use' | 'flagged' | 'awaiting_decision' | 'held' | 'exempted' | 'unknown';

const KIND_WORDS: Record<string, string> = {
  stale: 'unused for longer than its TTL',
  never_used: 'never used',
  terminated: 'the holder left (terminated in the directory)',
  cold_start_anomaly: 'unusual for the team',
  team_move: 'typical of the team the holder left, unusual in the new one',
};

/** Kinds a manager decides (keep or revoke) rather than a TTL. */
const DECIDED = new Set(['cold_start_anomaly', 'team_move']);

/**
 * When a grant lapses unless used: the first day it may go on a revocation list (in report mode, the day
 * a ticket asks for its removal). A flagged grant has it from its finding (`revocable_from`); a grant in
 * use lapses `grace_days` after the day it passes its TTL unused, as detect's rules and the lifecycle
 * would put it (evaluate.sql, lifecycle.sql), with daily runs. `heldLists`: systems whose list a guard held.
 */
export function lapseOf(g: GrantRow, asOf: Day, graceDays: number, heldLists: Set<string>): { state: GrantState; lapses_on: Day | null; note: string } {
  if (g.kind === null) return unflagged(g, asOf, graceDays);
  const why = KIND_WORDS[g.kind] ?? g.kind;
  if (g.excluded_by) {
    const text = g.exempt_reason ?? g.exemption_text;
    const state = g.status === 'exempted' ? 'exempted' : 'held';
    return { state, lapses_on: null, note: `${why}; ${g.excluded_by === 'exemption' && text ? `exempted: ${text}` : `held: ${explanation(g.excluded_by)}`}` };
  }
  if (DECIDED.has(g.kind) && g.decision !== 'revoke') {
    return { state: 'awaiting_decision', lapses_on: null, note: `${why}: the manager decides whether it stays` };
  }
  const lapses = g.revocable_from ?? (g.kind === 'terminated' ? asOf : addDays(asOf, graceDays));
  if (heldLists.has(g.system)) {
    return { state: 'held', lapses_on: null, note: `${why}; held: ${explanation('blast_radius')}` };
  }
  return { state: 'flagged', lapses_on: lapses, note: `${why}${DECIDED.has(g.kind) ? ': the manager decided it goes' : ''}` };
}

function unflagged(g: GrantRow, asOf: Day, graceDays: number): { state: GrantState; lapses_on: Day | null; note: string } {
  if (g.emergency_only) return { state: 'held', lapses_on: null, note: explanation('emergency_only') };
  if (g.protected) return { state: 'held', lapses_on: null, note: explanation('protected_principal') };
  if (g.exemption_text) return { state: 'exempted', lapses_on: null, note: `exempted: ${g.exemption_text}` };
  if (g.days_unused === null) return { state: 'unknown', lapses_on: null, note: 'no log events from this system yet: lapse cannot tell' };
  const flagged = addDays(asOf, g.ttl_days - g.days_unused + 1);
  const since = g.last_used ? `last used ${g.last_used}` : 'not used yet';
  return { state: 'in_use', lapses_on: addDays(flagged, graceDays), note: `${since}; TTL ${g.ttl_days} days` };
}

const explanation = (id: string) => rule(id as RuleId)?.explanation ?? id;

/** Lapses on or before `until` (and is not held, exempted or awaiting a decision). */
export const lapsesBy = (g: { lapses_on: Day | null }, until: Day) => g.lapses_on !== null && g.lapses_on <= until;
