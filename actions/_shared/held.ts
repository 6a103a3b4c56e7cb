import type { GuardEntry } from '../../core/model.js';

/** Guards that hold a whole system's list back (the others hold single findings, already excluded). */
const LIST_GUARDS = new Set(['blast_radius', 'source_freshness']);

/** The guard holding a system's whole revocation list back this run, if any. */
export function heldBy(guards: GuardEntry[], system: string): GuardEntry | undefined {
  return guards.find((g) => g.system === system && LIST_GUARDS.has(g.guard));
}
