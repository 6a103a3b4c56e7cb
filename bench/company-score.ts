import { decidedByManager, isActionable } from '../core/findings.js';
import type { Finding, GuardEntry } from '../core/model.js';
import { GROUPS, KINDS, type Company, type Group, type TruthGrant, type TruthKind } from './company.js';

/**
 * How lapse's findings on the simulated company (bench/company.ts) compare with its ground truth: over
 * what lapse would act on (not excluded, not resolved), per kind, per group that must never be acted
 * on, and per guard.
 */

/** What the quality measure reads of a finding. */
export type Reported = Pick<Finding, 'system' | 'principal' | 'permission' | 'kind' | 'excluded_by' | 'status' | 'confidence'>;

export interface Score {
  kind: TruthKind;
  truth: number;
  found: number;
  right: number;
  precision: number;
  recall: number;
  /**
   * Of those found, the ones lapse would revoke on its own (confidence high, not a kind a manager decides),
   * and how many of them are right: the rest wait for a person's decision (review).
   */
  automatic: number;
  automatic_right: number;
}

const key = (g: { system: string; principal: string; permission: string }) => `${g.system}\u0000${g.principal}\u0000${g.permission}`;

/** Precision and recall per kind: what lapse would act on against the truth. */
export function score(grants: TruthGrant[], findings: Reported[]): Score[] {
  const truth = new Map(grants.map((g) => [key(g), g.truth]));
  const acted = findings.filter(isActionable);
  return KINDS.map((kind) => {
    const found = acted.filter((f) => f.kind === kind);
    const right = found.filter((f) => truth.get(key(f)) === kind).length;
    const expected = grants.filter((g) => g.truth === kind).length;
    const automatic = found.filter((f) => f.confidence === 'high' && !decidedByManager(f));
    return {
      kind, truth: expected, found: found.length, right, precision: found.length ? right / found.length : 1, recall: expected ? right / expected : 1,
      automatic: automatic.length, automatic_right: automatic.filter((f) => truth.get(key(f)) === kind).length,
    };
  });
}

export interface Wrong {
  group: Group;
  grants: number;
  /** Of those, grants with an actionable finding: must be 0. */
  flagged: number;
  /** A few of them, for the failure message. */
  examples: string[];
}

/** Per group of grants lapse must never act on: how many it would act on anyway. */
export function wronglyFlagged(grants: TruthGrant[], findings: Reported[]): Wrong[] {
  const acted = new Map(findings.filter(isActionable).map((f) => [key(f), f.kind]));
  return GROUPS.map((group) => {
    const mine = grants.filter((g) => g.group === group);
    const hit = mine.filter((g) => acted.has(key(g)));
    return { group, grants: mine.length, flagged: hit.length, examples: hit.slice(0, 5).map((g) => `${g.system} ${g.principal} ${g.permission} (${acted.get(key(g))})`) };
  });
}

/** The blast-radius and source-freshness guard entries the run showed, against those the company must cause. */
export function guardsCheck(company: Pick<Company, 'guards'>, guards: Pick<GuardEntry, 'system' | 'guard'>[]): { expected: string[]; got: string[] } {
  const name = (g: { system: string; guard: string }) => `${g.guard}:${g.system}`;
  const watched = new Set(company.guards.map((g) => g.guard as string));
  return { expected: company.guards.map(name).sort(), got: guards.filter((g) => watched.has(g.guard)).map(name).sort() };
}

/** Where the misses and false alarms come from, by latent need: for the note and for debugging. */
export function confusion(grants: TruthGrant[], findings: Reported[]): Record<string, Record<string, number>> {
  const found = new Map(findings.filter(isActionable).map((f) => [key(f), f.kind]));
  const out: Record<string, Record<string, number>> = {};
  for (const g of grants) {
    const got = found.get(key(g)) ?? 'none';
    (out[g.need] ??= {})[got] = (out[g.need]?.[got] ?? 0) + 1;
  }
  return out;
}

/** The ground truth's sizes: grants per truth kind and per group. */
export function truthSizes(grants: TruthGrant[]): Record<string, number> {
  const out: Record<string, number> = { grants: grants.length };
  for (const g of grants) {
    const k = `truth ${g.truth ?? 'none'}`;
    out[k] = (out[k] ?? 0) + 1;
    if (g.group) out[`group ${g.group}`] = (out[`group ${g.group}`] ?? 0) + 1;
  }
  return out;
}
