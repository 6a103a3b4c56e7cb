import { expandIamActions } from '@cloud-copilot/iam-expand';
import { validateIdentityPolicy } from '@cloud-copilot/iam-policy';
import type { HeldPolicy } from './policies.js';

/**
 * An AWS unit's recommended policy: its documents' statements without what nobody used. `keep` says which
 * granted actions must stay (used, unobservable, or not judged); Deny and NotAction statements, resources
 * and conditions are kept as they are.
 */

export type Granularity = 'service' | 'action';

type Statement = Record<string, unknown> & { Effect?: unknown; Action?: unknown; NotAction?: unknown };

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

export interface AwsGrant {
  /** Every action the Allow statements' Action patterns grant, lower case → IAM's spelling. */
  actions: Map<string, string>;
  /** Patterns that expand to nothing IAM knows (a typo, a retired action, a service IAM's data lacks): kept. */
  unknown: string[];
  /** Policies the export names without a document: what they grant is unknown. */
  missing: string[];
  /** Allow statements with NotAction: what they grant is everything else; kept whole. */
  notAction: number;
}

const expansions = new Map<string, Promise<string[]>>();

/** The actions a pattern grants (`*` included), cached: the same managed policies recur across units. */
export function expand(pattern: string): Promise<string[]> {
  const key = pattern.toLowerCase();
  let found = expansions.get(key);
  if (!found) {
    found = expandIamActions(pattern, { expandAsterisk: true });
    expansions.set(key, found);
  }
  return found;
}

const statementsOf = (doc: { Statement: unknown }): Statement[] =>
  (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).filter((s): s is Statement => typeof s === 'object' && s !== null);

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

const isAllow = (s: Statement) => s.Effect === 'Allow';

export const serviceOf = (action: string) => action.slice(0, action.indexOf(':')).toLowerCase();

/** What a unit's policies grant. */
export async function awsGrant(policies: HeldPolicy[]): Promise<AwsGrant> {
  const grant: AwsGrant = { actions: new Map(), unknown: [], missing: [], notAction: 0 };
  for (const p of policies) {
    if (!p.document) {
      grant.missing.push(p.name);
      continue;
    }
    for (const s of statementsOf(p.document).filter(isAllow)) {
      if (s.NotAction !== undefined) grant.notAction++;
      for (const pattern of list(s.Action)) {
        const actions = await expand(pattern);
        if (actions.length === 0) grant.unknown.push(pattern);
        for (const a of actions) grant.actions.set(a.toLowerCase(), a);
      }
    }
  }
  return grant;
}

/**
 * The recommended document. `keep(action)` (lower case) says whether a granted action stays. With
 * `service` granularity a pattern stays whole when any action of its service stays; with `action`, a
 * pattern stays whole when all its actions stay, else it becomes the list of those that stay.
 */
export async function narrowPolicy(policies: HeldPolicy[], keep: (action: string) => boolean, granularity: Granularity, granted?: AwsGrant): Promise<PolicyDocument> {
  const grant = granted ?? (await awsGrant(policies));
  const keptServices = new Set([...grant.actions.keys()].filter(keep).map(serviceOf));
  const out: Statement[] = [];
  for (const p of policies) {
    if (!p.document) continue;
    for (const [i, s] of statementsOf(p.document).entries()) {
      const narrowed = isAllow(s) && s.Action !== undefined ? await narrowStatement(s, keep, keptServices, granularity) : s;
      if (narrowed) out.push({ ...narrowed, Sid: sidFor(p.name, i, s.Sid) });
    }
  }
  return { Version: '2012-10-17', Statement: out };
}

async function narrowStatement(s: Statement, keep: (a: string) => boolean, services: Set<string>, granularity: Granularity): Promise<Statement | undefined> {
  const kept: string[] = [];
  for (const pattern of list(s.Action)) kept.push(...(await narrowPattern(pattern, keep, services, granularity)));
  const actions = [...new Set(kept)];
  if (actions.length === 0) return undefined;
  return { ...s, Action: actions.length === 1 ? actions[0] : actions };
}

async function narrowPattern(pattern: string, keep: (a: string) => boolean, services: Set<string>, granularity: Granularity): Promise<string[]> {
  const actions = await expand(pattern);
  if (actions.length === 0) return [pattern];
  const staying = actions.filter((a) => keep(a.toLowerCase()));
  if (staying.length === actions.length) return [pattern];
  const actionPart = pattern.includes(':') ? pattern.slice(pattern.indexOf(':') + 1) : '*';
  if (granularity === 'action') return collapse(staying, actions, actionPart === '*');
  // A pattern over several services (`*`, `s*:Get*`) stays as the same pattern on each service that stays.
  const matched = [...new Set(actions.map(serviceOf))];
  const stay = matched.filter((svc) => services.has(svc));
  if (stay.length === matched.length) return [pattern];
  return stay.sort().map((svc) => `${svc}:${actionPart}`);
}

/**
 * The staying actions. When the pattern grants whole services (`*`, `s3:*`), a service all of whose
 * actions stay is written `svc:*`, which grants exactly those: documents stay short.
 */
function collapse(staying: string[], granted: string[], wholeServices: boolean): string[] {
  if (!wholeServices) return staying.sort();
  const total = new Map<string, number>();
  for (const a of granted) total.set(serviceOf(a), (total.get(serviceOf(a)) ?? 0) + 1);
  const bySvc = new Map<string, string[]>();
  for (const a of staying) bySvc.set(serviceOf(a), [...(bySvc.get(serviceOf(a)) ?? []), a]);
  return [...bySvc.entries()].flatMap(([svc, acts]) => (acts.length === total.get(svc) && acts.length > 1 ? [`${svc}:*`] : acts.sort()));
}

/** A Sid naming where the statement came from (letters and digits only, as IAM requires). */
function sidFor(policy: string, index: number, sid: unknown): string {
  const base = `${policy.replace(/[^A-Za-z0-9]/g, '')}${typeof sid === 'string' ? sid.replace(/[^A-Za-z0-9]/g, '') : ''}`;
  return `${base || 'Statement'}${index}`;
}

/** IAM's syntax rules over the document (parsed back with @cloud-copilot/iam-policy); empty when valid. */
export function policyProblems(doc: PolicyDocument): string[] {
  return validateIdentityPolicy(doc).map((e) => `${e.path}: ${e.message}`);
}
