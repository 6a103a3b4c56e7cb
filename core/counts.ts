import type { FindingCount, GuardEntry } from './model.js';
import { holdsList } from './rules.js';

/**
 * The headline numbers of a run, each defined once. The run summary (cli/summary.ts), the report
 * (report/) and docs/report.md use these, so a number means the same wherever it is printed. Every
 * count is of findings (one grant each) in a run's counts (`runs/as_of=<day>/run.json`), and the held
 * and revocable counts are disjoint: a finding is never both.
 */

/** A run's findings in each state; see the definitions on each field. */
export interface Headline {
  /** Flagged: findings new, open or reappeared in this run, whatever holds them. */
  flagged: number;
  /** New: flagged for the first time (new), or again after being resolved (reappeared). */
  new: number;
  /**
   * Held: flagged, but kept from any action by a rule or guard: on the finding (`excluded_by`), or,
   * for a finding otherwise revocable, by a guard holding its system's whole list (blast radius, a
   * silent source: core/rules.ts `holdsList`).
   */
  held: number;
  /** Revocable: past the notice period and on the system's revocation list this run (not held). */
  revocable: number;
  /** Exempted: excluded by an exemption, a protected principal or an emergency-only permission. */
  exempted: number;
  /** Resolved: gone in this run (used again, revoked, or no longer held). */
  resolved: number;
}

const FLAGGED = new Set(['new', 'open', 'reappeared']);

/** The systems whose revocation list a guard held this run (as actions/_shared/held.ts holds them). */
export function heldLists(guards: GuardEntry[]): Set<string> {
  return new Set(guards.filter((g) => holdsList(g.guard)).map((g) => g.system));
}

/** Whether a count cell is held (see Headline.held), given the systems whose list was held. */
export function isHeld(c: FindingCount, lists: Set<string>): boolean {
  return FLAGGED.has(c.status) && (c.excluded_by !== null || (c.revocable && lists.has(c.system)));
}

/** Whether a count cell is revocable (see Headline.revocable), given the systems whose list was held. */
export function isRevocable(c: FindingCount, lists: Set<string>): boolean {
  return c.revocable && !lists.has(c.system);
}

/** The headline counts of a run's count cells (any subset of them: a system, a kind), under its guards. */
export function headline(counts: FindingCount[], guards: GuardEntry[]): Headline {
  const lists = heldLists(guards);
  const h: Headline = { flagged: 0, new: 0, held: 0, revocable: 0, exempted: 0, resolved: 0 };
  for (const c of counts) {
    if (FLAGGED.has(c.status)) h.flagged += c.n;
    if (c.status === 'new' || c.status === 'reappeared') h.new += c.n;
    if (isHeld(c, lists)) h.held += c.n;
    if (isRevocable(c, lists)) h.revocable += c.n;
    if (c.status === 'exempted') h.exempted += c.n;
    if (c.status === 'resolved') h.resolved += c.n;
  }
  return h;
}

/**
 * How grants taken away are counted. `revoked`: entries of revocation lists a revoker acknowledged as
 * applied (`ack.jsonl`, status `applied`; "already absent" is not a revocation). `put_on_lists`:
 * entries of written, not held, revocation lists (`records/revocations/`): what lapse asked for, which
 * is all one can say without reading the lists' target. Restores likewise: applied restore acks, or
 * restore requests of a grant put on a list.
 */
export type RevokedMeasure = 'revoked' | 'put_on_lists';

export const REVOKED_LABEL: Record<RevokedMeasure, string> = {
  revoked: 'revoked (applied by a revoker)',
  put_on_lists: 'put on revocation lists',
};
