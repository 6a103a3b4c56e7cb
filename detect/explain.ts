import type { Config } from '../core/config.js';
import type { AsOfTables, StageContext } from '../core/context.js';
import { daysBetween, type Day } from '../core/days.js';
import { inactiveReason, listExemptions, type ExemptionState } from '../core/exemptions.js';
import { evaluate } from './detect.js';
import type { ExcludedBy } from '../core/model.js';
import { holdExplanation } from './rules/registry.js';
import { plural } from '../core/text.js';

export interface Explanation {
  system: string;
  principal: string;
  permission: string;
  person: string | null;
  verdict: 'flagged' | 'excluded' | 'ok';
  kind: string | null;
  excluded_by: ExcludedBy | null;
  last_used: string | null;
  days_unused: number | null;
  /** The TTL it is judged by: its rule's (or system's, or the default), or longer for a grant whose own rhythm is. */
  ttl_days: number;
  granted_at: string | null;
  /** Its newest use days (the rollup's, up to core/rhythm.ts `recent_days`), shown when its rhythm changed the verdict. */
  recent_use_days: string[] | null;
  /** For a grant too new to judge by TTL: 1 − the smoothed share of the team holding it (≥ threshold: anomaly). */
  cold_start_score: number | null;
  /** The key of the permission rule that governs this grant (an exact name or a glob; the most specific match), if any. */
  rule: string | null;
  /** That rule's description from the config (`permissions.<key>.description`), if any. */
  description: string | null;
  /** The permission's display name from the grants snapshot, if it has one (`permission` stays the key). */
  label: string | null;
  /** Who owns the permission: its rule's `owner`, else the system's (`systems.<s>.owner`), if the config says. */
  owner: string | null;
  /** Why each exemption naming this grant does not apply as of the day (withdrawn, not started, expired, …). */
  exemptions_not_applied: string[];
  reason: string;
}

interface EvalRow {
  system: string; principal: string; permission: string; person: string | null; email: string | null;
  kind: string | null; excluded_by: ExcludedBy | null; last_used: string | null; days_unused: number | null;
  ttl_days: number; rule_ttl_days: number; granted_at: string | null; first_day: string | null; newest_day: string | null;
  regular_until: string | null; longest_gap: number | null; stray: boolean; recent_days: string[] | null;
  permission_ttl: boolean; observed_days: number; cold_score: number | null; periodic: boolean;
  team_size: number; team_holders: number; team_users: number; org_holders: number; team: string | null;
  exemption_id: string | null; exemption_text: string | null;
  young: boolean; leave_days: number; in_rotation: boolean; from_team: string | null; moved_on: string | null;
  old_team_share: number | null; new_team_share: number | null; rule: string | null; description: string | null;
  label: string | null;
}

/**
 * Why each grant of a person (directory id or email) or of a bare principal is or is not flagged
 * as of the loaded day: the rule applied, the evidence, and the rule or guard that holds it back.
 */
export async function explain(ctx: StageContext, tables: AsOfTables, who: string): Promise<Explanation[]> {
  const asOf = tables.as_of;
  await evaluate(ctx, asOf);
  const rows = await ctx.db.all<EvalRow>(
    `SELECT e.system, e.principal, e.permission, e.person, p.email, e.kind, e.excluded_by, e.last_used::VARCHAR AS last_used,
            e.days_unused, e.ttl_days, e.rule_ttl_days, e.granted_at::VARCHAR AS granted_at, s.first_day::VARCHAR AS first_day,
            e.regular_until::VARCHAR AS regular_until, e.longest_gap, e.stray, u.recent_days::VARCHAR[] AS recent_days,
            s.newest_day::VARCHAR AS newest_day, coalesce(pr.ttl_days IS NOT NULL, false) AS permission_ttl,
            e.observed_days, e.cold_score, coalesce(pr.periodic, false) AS periodic,
            e.team_size, e.team_holders, e.team_users, e.org_holders, e.team, e.exemption_id, e.exemption_text,
            pr.rule, pr.description, e.young, e.leave_days, e.in_rotation, e.from_team, e.moved_on::VARCHAR AS moved_on,
            e.old_team_share, e.new_team_share, g.label
     FROM lapse_eval e
     LEFT JOIN lapse_grants g ON g.system = e.system AND g.principal = e.principal AND g.permission = e.permission
     LEFT JOIN lapse_people p ON p.id = e.person
     LEFT JOIN lapse_sources s ON s.system = e.system
     LEFT JOIN lapse_grant_rules pr ON pr.system = e.system AND pr.principal = e.principal AND pr.permission = e.permission
     LEFT JOIN lapse_last_use u ON u.system = e.system AND u.principal = lower(e.principal) AND u.permission = e.permission
     WHERE lower($who) IN (lower(e.person), lower(p.email), lower(e.principal))
     ORDER BY e.system, e.permission, e.principal`,
    { who },
  );
  const covering = await coveringExemptions(ctx, rows.filter((r) => r.kind !== null));
  return rows.map((r) => explained(r, asOf, covering.get(grantKey(r)) ?? [], ownerOf(ctx.config, r)));
}

/** The permission's owner: its matched rule's, else its system's. */
function ownerOf(config: Config, r: Pick<EvalRow, 'system' | 'rule'>): string | null {
  const sys = config.systems[r.system];
  return (r.rule === null ? undefined : sys?.permissions[r.rule]?.owner) ?? sys?.owner ?? null;
}

function explained(r: EvalRow, asOf: Day, covering: ExemptionState[], owner: string | null): Explanation {
  const notApplied = covering.flatMap((e) => {
    const why = whyNot(e, r, asOf);
    return why ? [`exemption ${e.exemption_id} does not apply: ${why}`] : [];
  });
  const rule = r.rule === null ? [] : [`matched rule ${JSON.stringify(r.rule)}`, ...(r.description ? [`permission rule: ${r.description}`] : [])];
  const more = [...notApplied, ...rule, ...(owner ? [`owner ${owner}`] : [])];
  return {
    system: r.system,
    principal: r.principal,
    permission: r.permission,
    person: r.person,
    verdict: r.kind === null ? 'ok' : r.excluded_by ? 'excluded' : 'flagged',
    kind: r.kind,
    excluded_by: r.excluded_by,
    last_used: r.last_used,
    days_unused: r.days_unused,
    ttl_days: r.ttl_days,
    granted_at: r.granted_at,
    recent_use_days: rhythmic(r) ? r.recent_days : null,
    cold_start_score: r.cold_score === null ? null : Math.round(r.cold_score * 1000) / 1000,
    rule: r.rule,
    description: r.description,
    label: r.label,
    owner,
    exemptions_not_applied: notApplied,
    reason: [reason(r), ...more].join('; '),
  };
}

const grantKey = (g: { system: string; principal: string; permission: string }) => JSON.stringify([g.system, g.principal, g.permission]);

/**
 * Every exemption ever recorded that names each flagged grant, active or not, matched as evaluate.sql
 * matches: its system, its permission (exact or glob), and its principal, person or the person's team.
 */
async function coveringExemptions(ctx: StageContext, rows: EvalRow[]): Promise<Map<string, ExemptionState[]>> {
  const exemptions = await listExemptions(ctx.lake);
  const out = new Map<string, ExemptionState[]>();
  if (rows.length === 0 || exemptions.length === 0) return out;
  await ctx.db.tableFromRows(
    'lapse_explain_grants',
    { system: 'VARCHAR', principal: 'VARCHAR', permission: 'VARCHAR', person: 'VARCHAR', team: 'VARCHAR' },
    rows.map(({ system, principal, permission, person, team }) => ({ system, principal, permission, person, team })),
  );
  await ctx.db.tableFromRows(
    'lapse_explain_exemptions',
    { i: 'INTEGER', system: 'VARCHAR', permission: 'VARCHAR', principal: 'VARCHAR', person: 'VARCHAR', team: 'VARCHAR' },
    exemptions.map((e, i) => ({ i, system: e.system, permission: e.permission, principal: e.principal, person: e.person, team: e.team ?? null })),
  );
  const hits = await ctx.db.all<{ system: string; principal: string; permission: string; i: number }>(COVERS);
  for (const h of hits) out.set(grantKey(h), [...(out.get(grantKey(h)) ?? []), exemptions[h.i]!]);
  return out;
}

const COVERS = `SELECT g.system, g.principal, g.permission, x.i
  FROM lapse_explain_grants g JOIN lapse_explain_exemptions x ON x.system = g.system
   AND lapse_exemption_covers(x.permission, x.principal, x.person, x.team, g.permission, g.principal, g.person, g.team)
  ORDER BY x.i`;

/** Why an exemption naming a flagged grant does not hold it back, or null when it does (or another one does). */
function whyNot(e: ExemptionState, r: EvalRow, asOf: Day): string | null {
  const inactive = inactiveReason(e, asOf);
  if (inactive) return inactive;
  if (r.kind === 'terminated') return 'the person is terminated, and exemptions never cover a leaver';
  return null;
}

/** The cold-start evidence: who else on the team and in the company holds it. */
function baseline(r: EvalRow): string {
  const team = r.team ? `${r.team_holders} of ${r.team_size} on team ${r.team} hold it, ${r.team_users} used it lately` : 'no team';
  const score = r.cold_score === null ? '' : `; cold-start score ${r.cold_score.toFixed(2)}`;
  return `${team}; ${r.org_holders} hold it company-wide${score}`;
}

/** The days of leave the TTL clock did not count, if any. */
const paused = (r: EvalRow) => (r.leave_days > 0 ? ` (${plural(r.leave_days, 'day')} of leave not counted)` : '');

/** Whether the grant's own rhythm changed its verdict: a stray use not counted, or a TTL made longer. */
const rhythmic = (r: EvalRow) => r.stray || r.ttl_days > r.rule_ttl_days;

/** The TTL, and why this grant's is longer (its own rhythm), if it is. */
function ttlText(r: EvalRow): string {
  const ttl = `TTL ${plural(r.rule_ttl_days, 'day')}${r.periodic ? ' (a periodic permission)' : r.permission_ttl ? ' (set by its permission rule)' : ''}`;
  if (r.ttl_days <= r.rule_ttl_days) return ttl;
  return `${ttl}, ${r.ttl_days} for this grant: it came back after ${plural(r.longest_gap ?? 0, 'day')} without use before (its own rhythm)`;
}

/** When and how long ago it was last used; a lone stray use is named, and the days are counted from before it. */
function lastUse(r: EvalRow): string {
  const days = `${plural(r.days_unused ?? 0, 'day')}${paused(r)}`;
  if (!r.stray || !r.regular_until) return `last used ${r.last_used}, ${days} ago`;
  return `last used ${r.last_used}, a lone use ${plural(daysBetween(r.regular_until, r.last_used!), 'day')} after its regular use ended on ${r.regular_until}, which does not restart the TTL: ${days} since then`;
}

function reason(r: EvalRow): string {
  const ttl = ttlText(r);
  const rhythm = rhythmic(r) && r.recent_days ? `; its newest use days: ${r.recent_days.join(', ')}` : '';
  const evidence =
    r.kind === 'terminated'
      ? 'the person is terminated in the directory'
      : r.last_used
        ? `${lastUse(r)}; ${ttl}${rhythm}`
        : r.first_day === null
          ? `no log events for this system; ${ttl}`
          : `no use since ${r.granted_at && r.granted_at > r.first_day ? `it was granted on ${r.granted_at}` : `the logs began on ${r.first_day}`} (${plural(r.days_unused ?? 0, 'day')}${paused(r)}); ${ttl}`;
  if (r.kind === null) {
    if (r.in_rotation) return `kept: the holder is in the on-call rotation (directory.on_call); ${evidence}`;
    return r.young ? `too new to judge by TTL, judged against its peers: ${evidence}; ${baseline(r)}` : `in use: ${evidence}`;
  }
  const hold = r.excluded_by ? ` — held: ${holdExplanation(r.excluded_by, r.exemption_text)}` : '';
  if (r.kind === 'cold_start_anomaly') return `cold-start anomaly: ${evidence}; ${baseline(r)}${hold}`;
  if (r.kind === 'team_move') {
    const share = (x: number | null) => `${Math.round((x ?? 0) * 100)}%`;
    return `team move: moved from team ${r.from_team} on ${r.moved_on}; ${share(r.old_team_share)} of that team hold it, ${share(r.new_team_share)} of the new team; ${evidence}${hold}`;
  }
  return `${r.kind.replace('_', ' ')}: ${evidence}${hold}`;
}
