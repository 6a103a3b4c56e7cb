import { resolvePath, type SystemConfig } from '../core/config.js';
import type { StageContext } from '../core/context.js';
import { sqlFile } from '../core/db.js';
import { plural } from '../core/text.js';
import { awsGrant, narrowPolicy, policyProblems, serviceOf, type Granularity } from './aws.js';
import { below, githubRole, higher, readGithubRoles } from './github.js';
import type { ActionUse, HolderUse, RightsizeDocument, RightsizeUnit, UnitKind } from './model.js';
import { awsCategory, gcpCategory, githubCategory, k8sCategory, observable, type ActionCategory, type GithubRole, type LogCategory } from './observe.js';
import { policiesOf, readPolicies, type PolicyIndex } from './policies.js';
import { k8sRules } from './k8s.js';

const HOLDERS_SQL = sqlFile(import.meta.url, 'holders.sql');

/** A unit is pruned when at most this share of its holders used it (and at least two hold it). */
export const PRUNE_SHARE = 0.5;
/** The most unused items a unit lists (the count is always whole). */
const MAX_ITEMS = 200;

export interface RightsizeOptions {
  asOf: string;
  /** The window, inclusive: the days whose uses count. */
  from: string;
  to: string;
  days: number;
  granularity: Granularity;
  systems: string[];
  /** The first and last day each system has action summaries for (aggregate); absent: none. */
  coverage: Map<string, { first_day: string; last_day: string }>;
}

interface HolderRow {
  system: string;
  permission: string;
  role: string | null;
  principal: string;
  since: string | null;
  label: string | null;
  used: { action: string; iam: boolean | null; uses: number; days: number; last_seen: string | null }[];
}

/** What each unit's holders used in the window, against what it grants, and the smaller grant to give. */
export async function rightsize(ctx: StageContext, o: RightsizeOptions): Promise<RightsizeDocument> {
  await ctx.db.run(HOLDERS_SQL, { systems: o.systems });
  const rows = await ctx.db.all<HolderRow>('SELECT * FROM lapse_rightsize_holders');
  const doc: RightsizeDocument = { as_of: o.asOf, window: { from: o.from, to: o.to, days: o.days }, granularity: o.granularity, systems: [], units: [], github_holders: [] };
  for (const system of o.systems) {
    const sys = ctx.config.systems[system]!;
    const logged = [...(sys.rightsize?.logged ?? ['management_write'])] as LogCategory[];
    const cover = o.coverage.get(system);
    const judge = await judgeFor(ctx, sys, logged, o);
    const units = groupUnits(rows.filter((r) => r.system === system));
    const note = !cover ? 'no action-level summaries in the window: set actions: true on the system (issue 15 §1) and ingest'
      : cover.first_day > o.from ? `action-level summaries start ${cover.first_day}, inside the ${o.days}-day window: every unit is too new to judge` : null;
    for (const holders of units) {
      const unit = await judge(holders, cover ? (cover.first_day > o.from ? cover.first_day : null) : undefined);
      emergencyOnly(unit, sys);
      doc.units.push(unit);
    }
    doc.systems.push({ system, connector: sys.connector, logged, actions_from: cover?.first_day ?? null, actions_to: cover?.last_day ?? null, units: units.length, note });
  }
  doc.github_holders = githubHolders(doc.units);
  return doc;
}

function groupUnits(rows: HolderRow[]): HolderRow[][] {
  const byUnit = new Map<string, HolderRow[]>();
  for (const r of rows) {
    const key = `${r.permission}\u0000${r.role ?? ''}`;
    byUnit.set(key, [...(byUnit.get(key) ?? []), r]);
  }
  return [...byUnit.values()];
}

/**
 * The judge of one system's units. `lateStart`: the day its action summaries start when that is inside the
 * window (every unit too new); undefined: it has none.
 */
type Judge = (holders: HolderRow[], lateStart: string | null | undefined) => Promise<RightsizeUnit>;

async function judgeFor(ctx: StageContext, sys: SystemConfig, logged: LogCategory[], o: RightsizeOptions): Promise<Judge> {
  switch (sys.connector) {
    case 'aws_cloudtrail': {
      const path = sys.rightsize?.policies?.path;
      const index = path ? await readPolicies(resolvePath(ctx.config, path)) : undefined;
      return (h, late) => judgeAws(h, late, logged, o, index);
    }
    case 'github_audit': {
      const path = sys.grants.path;
      const roles = path && sys.grants.format !== 'csv' && !/^s3:\/\//i.test(path) ? await readGithubRoles(resolvePath(ctx.config, path)) : new Map<string, GithubRole>();
      return (h, late) => judgeGithub(h, late, logged, o, roles);
    }
    case 'gcp_audit':
      return (h, late) => judgeListed(h, late, logged, o, 'gcp_role_binding', gcpCategory);
    case 'k8s_audit':
      return (h, late) => judgeListed(h, late, logged, o, 'k8s_role_binding', k8sCategory);
    default:
      return (h, late) => judgeListed(h, late, logged, o, 'grant', () => 'management_write');
  }
}

/** The parts every unit has: holders, their use, what was used together, pruning; status and grant left to the system. */
/** A unit the config marks emergency-only (break-glass, an exact permission rule): rarely used by design, not judged. */
function emergencyOnly(unit: RightsizeUnit, sys: SystemConfig): boolean {
  if (!sys.permissions[unit.unit]?.emergency_only) return false;
  unit.status = 'not_judged';
  unit.reason = 'emergency-only (break-glass): rarely used by design, never right-sized';
  unit.recommendation = null;
  unit.pruning = null;
  return true;
}

async function base(holders: HolderRow[], kind: UnitKind, category: (a: string) => ActionCategory | Promise<ActionCategory>, o: RightsizeOptions): Promise<RightsizeUnit> {
  const first = holders[0]!;
  const byAction = new Map<string, ActionUse>();
  const perHolder: HolderUse[] = [];
  for (const h of holders) {
    for (const u of h.used) {
      const a = byAction.get(u.action) ?? { action: u.action, category: u.iam === false ? 'not_iam' : await category(u.action), uses: 0, holders: 0 };
      a.uses += u.uses;
      a.holders += 1;
      byAction.set(u.action, a);
    }
    perHolder.push({
      principal: h.principal,
      since: h.since,
      uses: h.used.reduce((n, u) => n + u.uses, 0),
      last_seen: h.used.reduce<string | null>((m, u) => (u.last_seen && (!m || u.last_seen > m) ? u.last_seen : m), null),
      actions: h.used.map((u) => u.action),
    });
  }
  const used = [...byAction.values()].sort((a, b) => b.uses - a.uses || a.action.localeCompare(b.action));
  const users = perHolder.filter((h) => h.uses > 0);
  return {
    system: first.system, kind, unit: first.permission, role: first.role, label: first.label,
    status: 'right_sized', reason: '', holders: holders.length, users: users.length,
    granted: { actions: null, services: null }, used,
    unused: { count: 0, items: [], truncated: false },
    unobservable: { count: 0, by_category: {}, services: [] },
    not_iam: used.filter((u) => u.category === 'not_iam').map((u) => u.action),
    notes: [], recommendation: null, pruning: pruning(holders.length, users.map((h) => h.principal), o.days), per_holder: perHolder,
  };
}

/** "used by 4 of 31 holders in 90 days": at most PRUNE_SHARE of two or more holders used it. */
function pruning(holders: number, who: string[], days: number): RightsizeUnit['pruning'] {
  if (holders < 2 || who.length > holders * PRUNE_SHARE) return null;
  const named = who.length ? `: ${who.join(', ')}` : '';
  return { holders, users: who.length, who, text: `used by ${who.length} of ${holders} holders in ${days} days${named}` };
}

/** Too new: the system's action summaries, or every holder's grant, start inside the window. */
function tooNew(unit: RightsizeUnit, holders: HolderRow[], lateStart: string | null | undefined, o: RightsizeOptions): boolean {
  if (lateStart === undefined) {
    unit.status = 'no_action_log';
    unit.reason = 'its system keeps no action-level summaries over the window';
    unit.pruning = null;
    return true;
  }
  const since = holders.map((h) => h.since).filter((d): d is string => d !== null).sort()[0];
  const from = lateStart ?? (since && since > o.from ? since : null);
  if (!from) return false;
  unit.status = 'too_new';
  unit.reason = `observed from ${from}, less than the ${o.days}-day window: too new to judge`;
  unit.pruning = null;
  return true;
}

async function judgeAws(holders: HolderRow[], late: string | null | undefined, logged: LogCategory[], o: RightsizeOptions, index: PolicyIndex | undefined): Promise<RightsizeUnit> {
  const policies = index ? policiesOf(index, holders[0]!.permission) : undefined;
  const unit = await base(holders, /^[^/]+\/role\//.test(holders[0]!.permission) ? 'aws_role' : 'aws_permission_set', awsCategory, o);
  if (tooNew(unit, holders, late, o)) return unit;
  if (!policies) {
    unit.status = 'grant_unknown';
    unit.reason = index ? 'the policy export has no permission set or role of this name' : 'no policy export: set rightsize.policies on the system';
    return unit;
  }
  const grant = await awsGrant(policies);
  const usedSet = new Set(unit.used.map((u) => u.action.toLowerCase()));
  const keepCache = new Map<string, boolean>();
  const hiddenServices = new Set<string>();
  for (const a of grant.actions.keys()) {
    const found = awsCategory(a);
    const cat = typeof found === 'string' ? found : await found;
    const unobservable = !observable(cat, logged);
    if (unobservable) {
      const c = cat as LogCategory;
      unit.unobservable.count++;
      unit.unobservable.by_category[c] = (unit.unobservable.by_category[c] ?? 0) + 1;
      hiddenServices.add(serviceOf(a));
    }
    keepCache.set(a, unobservable || usedSet.has(a));
  }
  const keep = (a: string) => keepCache.get(a) ?? true;
  const services = [...new Set([...grant.actions.keys()].map(serviceOf))].sort();
  unit.granted = { actions: grant.actions.size, services };
  unit.unobservable.services = [...hiddenServices].sort();
  const notes = [
    ...grant.missing.map((p) => `${p}: the export has no document for it; what it grants is kept and not judged`),
    ...(grant.unknown.length ? [`actions IAM does not know, kept: ${grant.unknown.join(', ')}`] : []),
    ...(grant.notAction ? [`${plural(grant.notAction, 'Allow statement')} with NotAction kept whole: it grants everything it does not name`] : []),
  ];
  unit.notes.push(...notes);
  const policy = await narrowPolicy(policies, keep, o.granularity, grant);
  const problems = policyProblems(policy);
  if (problems.length) throw new Error(`rightsize ${unit.system} ${unit.unit}: the recommended policy is not valid IAM: ${problems.join('; ')}`);
  const removable = removed(grant.actions, keep, o.granularity);
  unit.unused = { count: removable.length, items: removable.slice(0, MAX_ITEMS), truncated: removable.length > MAX_ITEMS };
  if (removable.length === 0) {
    unit.status = 'right_sized';
    unit.reason = unit.users ? 'every observable action it grants was used, or a service of it was' : 'nothing observable to remove';
    return unit;
  }
  unit.status = 'shrink';
  const what = o.granularity === 'service' ? plural(removable.length, 'unused service') : plural(removable.length, 'unused action');
  unit.reason = `grants ${plural(grant.actions.size, 'action')} in ${plural(services.length, 'service')}; its holders used ${plural(usedSet.size, 'action')}`;
  unit.recommendation = { text: `remove ${what}${o.granularity === 'service' ? `: ${removable.slice(0, 12).join(', ')}${removable.length > 12 ? ', …' : ''}` : ''}`, policy };
  return unit;
}

/** What the recommendation removes: services none of whose actions stay, or (action granularity) actions. */
function removed(granted: Map<string, string>, keep: (a: string) => boolean, g: Granularity): string[] {
  const dropped = [...granted.entries()].filter(([a]) => !keep(a));
  if (g === 'action') return dropped.map(([, name]) => name).sort();
  const stay = new Set([...granted.keys()].filter(keep).map(serviceOf));
  return [...new Set(dropped.map(([a]) => serviceOf(a)))].filter((s) => !stay.has(s)).sort();
}

async function judgeGithub(holders: HolderRow[], late: string | null | undefined, logged: LogCategory[], o: RightsizeOptions, roles: Map<string, GithubRole>): Promise<RightsizeUnit> {
  const u = await base(holders, 'github_repository_role', (a) => (githubRole(a) ? githubCategory(a) : 'not_iam'), o);
  for (const h of u.per_holder) {
    const row = holders.find((x) => x.principal === h.principal)!;
    h.granted_role = githubRole(row.role) ?? roles.get(`${h.principal.toLowerCase()}|${row.permission}`) ?? null;
    h.used_role = h.actions.map(githubRole).filter((r): r is GithubRole => !!r).reduce<GithubRole | null>((m, r) => (m ? higher(m, r) : r), null);
    h.recommended_role = h.used_role && (h.used_role !== 'read' || observable('management_read', logged)) ? higher(h.used_role, 'read') : 'read';
  }
  const granted: Partial<Record<GithubRole, number>> = {};
  for (const h of u.per_holder) if (h.granted_role) granted[h.granted_role] = (granted[h.granted_role] ?? 0) + 1;
  u.granted = { actions: null, services: null, roles: granted };
  if (!observable('management_read', logged)) u.notes.push('reads (clone, pull, view) are not in the audit log: read is the floor, never recommended away');
  if (tooNew(u, holders, late, o)) return u;
  const lower = u.per_holder.filter((h) => h.granted_role && below(h.recommended_role!, h.granted_role));
  const unknown = u.per_holder.filter((h) => !h.granted_role).length;
  if (lower.length) {
    u.status = 'shrink';
    u.reason = `${plural(lower.length, 'holder')} of ${u.holders} used less than the role they hold`;
    const each = lower.map((h) => `${h.principal}: ${h.granted_role}, used ${h.used_role ?? 'nothing observable'}: grant ${h.recommended_role}`);
    u.recommendation = {
      text: each.length > 3 ? `${plural(lower.length, 'holder')} to a lower role: ${each.slice(0, 2).join('; ')}; … (each: --json)` : each.join('; '),
      roles: lower.map((h) => ({ principal: h.principal, from: h.granted_role!, to: h.recommended_role! })),
    };
  } else if (unknown === u.holders) {
    u.status = 'grant_unknown';
    u.reason = 'the grants carry no repository role (role_name or permissions in the export, or via role:<name>)';
  } else {
    u.reason = 'each holder used the role they hold';
  }
  return u;
}

/** GCP, Kubernetes and other systems: what a role grants is not exported; the recommendation is what was used. */
async function judgeListed(holders: HolderRow[], late: string | null | undefined, logged: LogCategory[], o: RightsizeOptions, kind: UnitKind, category: (a: string) => ActionCategory): Promise<RightsizeUnit> {
  const u = await base(holders, kind, category, o);
  const hidden = (['management_read', 'data_read', 'data_write'] as const).filter((c) => !logged.includes(c));
  if (hidden.length && kind !== 'grant') u.notes.push(`the logs do not carry ${hidden.join(', ')}: keep the role's permissions of those kinds (they cannot be judged)`);
  if (tooNew(u, holders, late, o)) return u;
  u.status = 'grant_unknown';
  const names = u.used.filter((a) => a.category !== 'not_iam').map((a) => a.action).sort();
  if (names.length === 0) {
    u.reason = `no observable use by any of ${plural(u.holders, 'holder')} in ${o.days} days`;
    return u;
  }
  u.reason = `what ${u.role ?? 'the grant'} holds is not exported; its holders used ${plural(names.length, kind === 'k8s_role_binding' ? 'verb and resource' : 'permission')}`;
  if (kind === 'gcp_role_binding') u.recommendation = { text: `a custom role with the ${plural(names.length, 'permission')} used`, permissions: names };
  else if (kind === 'k8s_role_binding') u.recommendation = { text: `a Role with the ${plural(names.length, 'verb and resource', 'verbs and resources')} used`, rules: k8sRules(names) };
  else u.recommendation = { text: `the ${plural(names.length, 'action')} used`, permissions: names };
  return u;
}

/** GitHub per holder and granted role across repositories. */
function githubHolders(units: RightsizeUnit[]): RightsizeDocument['github_holders'] {
  const groups = new Map<string, { system: string; principal: string; granted: GithubRole; repositories: number; used_max: GithubRole | null }>();
  for (const u of units.filter((x) => x.kind === 'github_repository_role' && x.status !== 'too_new' && x.status !== 'no_action_log')) {
    for (const h of u.per_holder) {
      if (!h.granted_role) continue;
      const key = `${u.system}|${h.principal}|${h.granted_role}`;
      const g = groups.get(key) ?? { system: u.system, principal: h.principal, granted: h.granted_role, repositories: 0, used_max: null };
      g.repositories++;
      if (h.used_role) g.used_max = g.used_max ? higher(g.used_max, h.used_role) : h.used_role;
      groups.set(key, g);
    }
  }
  return [...groups.values()]
    .map((g) => {
      const needed = g.used_max ? higher(g.used_max, 'read') : 'read';
      const grant = below(needed, g.granted) ? needed : g.granted;
      const used = `used ${g.used_max ?? 'nothing observable'}${g.used_max ? ' at most' : ''}`;
      const verdict = below(needed, g.granted) ? `grant ${grant}` : below(g.granted, needed) ? `keep (it did more than ${g.granted} allows: another grant covers it)` : 'keep';
      return { ...g, grant, text: `${g.principal}: ${g.granted} on ${plural(g.repositories, 'repository', 'repositories')}, ${used}: ${verdict}` };
    })
    .sort((a, b) => a.system.localeCompare(b.system) || a.principal.localeCompare(b.principal));
}
