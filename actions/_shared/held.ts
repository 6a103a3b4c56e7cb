import type { GuardEntry } from '../../core/model.js';
import { holdsList } from '../../core/rules.js';

/** The guard holding a system's whole revocation list back this run, if any (core/rules.ts `holdsList`). */
export function heldBy(guards: GuardEntry[], system: string): GuardEntry | undefined {
  return guards.find((g) => g.system === system && holdsList(g.guard));
}
