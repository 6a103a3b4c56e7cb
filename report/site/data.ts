import type { RightsizeView } from './rightsize.js';
import type { AsOfTables, StageContext } from '../../core/context.js';
import { heldLists } from '../../core/counts.js';
import { addDays, type Day } from '../../core/days.js';
import { sqlFile } from '../../core/db.js';
import { inactiveReason, listExemptions, type ExemptionState } from '../../core/exemptions.js';
import type { GuardEntry } from '../../core/model.js';
import { listRestores, listRevocations, type RestoreRecord, type RevocationRecord } from '../../core/records.js';
import { readAcks, type ReportData } from '../data.js';
import { lapseOf, type GrantRow, type GrantState } from './lapse.js';

const GRANTS = sqlFile(import.meta.url, 'grants.sql');
const PEOPLE = sqlFile(import.meta.url, 'people.sql');

export interface SitePerson {
  id: string;
  email: string;
  team: string;
  status: string;
  /** The manager's directory id (or the directory's manager value when it names nobody); null: none. */
  manager: string | null;
}

/** A grant a person holds, with when it lapses unless used (see lapse.ts). */
export interface SiteGrant extends GrantRow {
  state: GrantState;
  lapses_on: Day | null;
  note: string;
}

/** A grant lapse put on a (not held) revocation list: what a person lost, and whether it came back. */
export interface LostGrant extends RevocationRecord {
  person: string;
  /** A revoker acknowledged it as applied; null when the acks cannot be read. */
  applied: boolean | null;
  /** The newest `lapse restore` of it, if any. */
  restore: RestoreRecord | null;
}

export interface SiteExemption extends ExemptionState {
  /** The directory people it covers (its person, or the person its principal resolves to). */
  people: string[];
  /** Why it does not apply on the site's day (withdrawn, expired, not started), or null while active. */
  inactive: string | null;
}

/** Everything the site shows: the company report and, per person, their grants, losses and exemptions. */
export interface SiteData {
  report: ReportData;
  as_of: Day;
  mode: 'report' | 'enforce';
  grace_days: number;
  /** "Lapses soon": on or before this day (the site's day + soon_days). */
  soon_days: number;
  soon_until: Day;
  /** The config file's name, for the `lapse restore` commands shown. */
  config_name: string;
  people: SitePerson[];
  grants: SiteGrant[];
  lost: LostGrant[];
  exemptions: SiteExemption[];
  /** Why revocations count as put on lists rather than applied, when the acks cannot be read. */
  acks_note: string | null;
  /** The right-sizing document (`lapse rightsize`), when a system keeps action summaries: the site's rightsize.html. */
  rightsize?: RightsizeView;
}

/**
 * Reads the site's data as of the report's run. Needs the as-of relations (aggregate's loadAsOf, for the
 * same day as `report.as_of`) and detect's judgement of every grant (`lapse_eval`, detect/evaluate.sql),
 * which the caller loads; reads the lake's exemptions, revocation and restore records and the revokers' acks.
 */
export async function buildSite(
  ctx: StageContext, tables: AsOfTables, report: ReportData, o: { soonDays: number; configName: string; asOf?: Day },
): Promise<SiteData> {
  if (tables.as_of !== report.as_of) throw new Error(`the as-of relations are of ${tables.as_of}, the report of ${report.as_of}`);
  const { db, config } = ctx;
  const asOf = report.as_of;
  const grace = config.lifecycle.grace_days;
  const held = heldLists(report.guards.filter((g) => g.as_of === asOf) as GuardEntry[]);
  const rows = await db.all<GrantRow>(GRANTS);
  const grants = rows.map((r): SiteGrant => ({ ...r, ...lapseOf(r, asOf, grace, held) }));
  const people = await db.all<SitePerson>(PEOPLE);
  const resolve = await resolver(ctx);
  const { acked, note } = await readAcks(ctx, o.asOf);
  return {
    report,
    as_of: asOf,
    mode: config.mode,
    grace_days: grace,
    soon_days: o.soonDays,
    soon_until: addDays(asOf, o.soonDays),
    config_name: o.configName,
    people,
    grants,
    lost: await lostGrants(ctx, resolve, o.asOf, note === null ? acked : null),
    exemptions: (await listExemptions(ctx.lake)).map((e) => ({
      ...e,
      people: e.person !== null ? [e.person] : [resolve(e.system, e.principal ?? '')].filter((p): p is string => p !== null),
      inactive: inactiveReason(e, asOf),
    })),
    acks_note: note,
  };
}

/** (system, native id) → directory person, as detect resolved them (lapse_resolve, detect/resolve.sql). */
async function resolver(ctx: StageContext): Promise<(system: string, principal: string) => string | null> {
  const rows = await ctx.db.all<{ system: string; native: string; person: string }>('SELECT system, native, person FROM lapse_resolve');
  const map = new Map(rows.map((r) => [`${r.system}\u0000${r.native}`, r.person]));
  return (system, principal) => map.get(`${system}\u0000${principal.toLowerCase()}`) ?? null;
}

/** Revocation records of directory people (up to `asOf` when given), with their acks and restores. */
async function lostGrants(
  ctx: StageContext, resolve: (system: string, principal: string) => string | null, asOf: Day | undefined,
  acked: Map<string, { revoked: Set<string>; restored: Set<string> }> | null,
): Promise<LostGrant[]> {
  const until = asOf ?? '9999-12-31';
  const restores = new Map<string, RestoreRecord>();
  for (const r of await listRestores(ctx.lake)) if (r.requested_at.slice(0, 10) <= until) restores.set(r.finding_id, r);
  // A grant on several runs' lists (not applied yet) is one loss: its newest listing.
  const newest = new Map<string, RevocationRecord>();
  for (const r of await listRevocations(ctx.lake)) if (r.as_of <= until) newest.set(r.finding_id, r);
  const out: LostGrant[] = [];
  for (const r of newest.values()) {
    const person = resolve(r.system, r.principal);
    if (!person) continue;
    const restore = restores.get(r.finding_id);
    out.push({
      ...r,
      person,
      applied: acked ? acked.get(r.system)?.revoked.has(r.finding_id) ?? false : null,
      // A restore counts for the revocation it followed (a grant revoked again later is lost again).
      restore: restore && restore.requested_at.slice(0, 10) >= r.as_of ? restore : null,
    });
  }
  return out.sort((a, b) => (a.as_of > b.as_of ? -1 : a.as_of < b.as_of ? 1 : 0));
}
