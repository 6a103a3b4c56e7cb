import { z } from 'zod';
import { Day } from './model.js';
import type { StageContext } from './context.js';
import { isGlob } from './glob.js';
import { shortId } from './hash.js';
import { layout, partition } from './layout.js';
import { listRevocations } from './records.js';
import type { Lake } from './store.js';

/**
 * Time-limited exemptions, kept in the lake as immutable records: `exemptions/<id>.json` when one is
 * granted and `exemptions/<id>.revoked.json` if it is withdrawn. Nothing is ever edited, so the
 * folder is the audit trail. Written by `lapse exempt` and by actions (a Jira ticket closed as
 * "won't do", a manager's "keep").
 */
export const Exemption = z.object({
  exemption_id: z.string(),
  system: z.string(),
  /** An exact permission, or a glob as DuckDB's GLOB reads it (`*` for every permission on the system). */
  permission: z.string(),
  /** A native principal; or null when the exemption names a person (all their principals) or a team. */
  principal: z.string().nullable(),
  person: z.string().nullable(),
  /** A directory team: every member's grants, as of the run's directory (principal and person null). */
  team: z.string().optional(),
  owner: z.string().min(1),
  reason: z.string().min(1),
  /** First day the exemption applies: the day it was recorded as of (`lapse exempt --as-of`). Absent on old records: the day created. */
  starts: Day.optional(),
  /** Last day the exemption applies (inclusive). */
  until: Day,
  created_at: z.string(),
  created_by: z.string().min(1),
  /** Where it came from: `cli`, `jira`, … */
  source: z.string(),
});
export type Exemption = z.infer<typeof Exemption>;

export const ExemptionRevocation = z.object({
  exemption_id: z.string(),
  revoked_at: z.string(),
  revoked_by: z.string().min(1),
  reason: z.string().min(1),
});
export type ExemptionRevocation = z.infer<typeof ExemptionRevocation>;

const PREFIX = 'exemptions/';

export type NewExemption = Omit<Exemption, 'exemption_id' | 'created_at'>;

/** Records an exemption; the id is derived from its content and time, so a retry writes the same file. */
export async function addExemption(lake: Lake, e: NewExemption, now = new Date()): Promise<Exemption> {
  const created_at = now.toISOString();
  const exemption = Exemption.parse({
    ...e,
    created_at,
    starts: e.starts ?? created_at.slice(0, 10),
    exemption_id: shortId('x', e.system, e.permission, e.principal ?? '', e.person ?? '', e.until, e.reason, created_at, ...(e.starts ? [e.starts] : []), ...(e.team ? [`team:${e.team}`] : [])),
  });
  await lake.writeText(`${PREFIX}${exemption.exemption_id}.json`, `${JSON.stringify(exemption, null, 2)}\n`);
  return exemption;
}

export async function revokeExemption(lake: Lake, r: Omit<ExemptionRevocation, 'revoked_at'>, now = new Date()): Promise<void> {
  const rec = ExemptionRevocation.parse({ ...r, revoked_at: now.toISOString() });
  await lake.writeText(`${PREFIX}${rec.exemption_id}.revoked.json`, `${JSON.stringify(rec, null, 2)}\n`);
}

export interface ExemptionState extends Exemption {
  revoked: ExemptionRevocation | null;
}

/** Every exemption ever recorded, with its revocation if any, oldest first. */
export async function listExemptions(lake: Lake): Promise<ExemptionState[]> {
  const keys = (await lake.list(PREFIX)).map((o) => o.key);
  const read = async (k: string) => JSON.parse((await lake.readText(k)) ?? 'null') as unknown;
  const revoked = new Map<string, ExemptionRevocation>();
  for (const k of keys.filter((k) => k.endsWith('.revoked.json'))) {
    const r = ExemptionRevocation.parse(await read(k));
    revoked.set(r.exemption_id, r);
  }
  const out: ExemptionState[] = [];
  for (const k of keys.filter((k) => !k.endsWith('.revoked.json') && k.endsWith('.json'))) {
    const e = Exemption.parse(await read(k));
    out.push({ ...e, revoked: revoked.get(e.exemption_id) ?? null });
  }
  return out.sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
}

/** The first day an exemption applies. */
export function startsOn(e: Exemption): string {
  return e.starts ?? e.created_at.slice(0, 10);
}

/** Whether an exemption applies on a day: started by then, not expired, not revoked by then. */
export function activeOn(e: ExemptionState, day: string): boolean {
  return inactiveReason(e, day) === null;
}

/** Why an exemption does not apply on a day (withdrawn, not yet started, expired), or null when it does. */
export function inactiveReason(e: ExemptionState, day: string): string | null {
  if (e.revoked && e.revoked.revoked_at.slice(0, 10) <= day) return `withdrawn on ${e.revoked.revoked_at.slice(0, 10)} by ${e.revoked.revoked_by}`;
  if (startsOn(e) > day) return `starts ${startsOn(e)}, after the as-of day ${day}`;
  if (e.until < day) return `expired after its last day, ${e.until}`;
  return null;
}

/** A grant as a command names it: by native principal, by directory person (all their principals), or by team. */
export interface GrantRef {
  system: string;
  /** An exact permission, or a glob (`*` for any). */
  permission: string;
  principal: string | null;
  person: string | null;
  /** A directory team: all its members' grants. */
  team?: string | null;
}

/**
 * What the lake has never seen of a grant, or null when it knows it: a principal (or permission) is
 * known when a grants snapshot, a daily usage summary or a revocation record of the system names it
 * (a glob: when it matches one); a person when a directory snapshot lists their id, a team when one
 * lists a member of it. Any day counts: a typo is what this catches, not a grant that has since gone.
 * Principals match case-insensitively, as in detect.
 */
export async function unknownGrant(ctx: StageContext, g: GrantRef): Promise<string | null> {
  const permission = g.permission === '*' ? '' : g.permission;
  if (g.person !== null || g.team) {
    if (g.team && !(await seenInDirectory(ctx, 'team', g.team))) return `team ${g.team} is in no directory snapshot`;
    if (g.person !== null && !(await seenInDirectory(ctx, 'id', g.person))) return `person ${g.person} is in no directory snapshot`;
    if (permission && !(await seenOnSystem(ctx, g.system, '', permission))) {
      const what = isGlob(permission) ? `no permission matching ${permission} was ever granted` : `permission ${permission} was never granted`;
      return `${what}, used or revoked on ${g.system}`;
    }
    return null;
  }
  const principal = g.principal ?? '';
  if (await seenOnSystem(ctx, g.system, principal, permission)) return null;
  return permission
    ? `no grant of ${permission} to ${principal} on ${g.system} is known: no grants snapshot row, no use and no revocation record`
    : `principal ${principal} is unknown on ${g.system}: no grants snapshot row, no use and no revocation record`;
}

/**
 * Whether a grants snapshot, usage summary or revocation record of the system matches ('' matches any).
 * The cheap places first (records, the newest snapshot, the last-use rollup), so a known grant costs a
 * few small reads on an S3 lake; only a grant nobody has seen reads every snapshot and summary.
 */
async function seenOnSystem(ctx: StageContext, system: string, principal: string, permission: string): Promise<boolean> {
  // A glob is matched by DuckDB only (the records are checked by their exact permission).
  const match = (p: string, q: string) => (!principal || p.toLowerCase() === principal.toLowerCase()) && (!permission || q === permission);
  if ((await listRevocations(ctx.lake)).some((r) => r.system === system && match(r.principal, r.permission))) return true;
  const keys = async (prefix: string) => (await ctx.lake.list(prefix)).map((o) => o.key).filter((k) => k.endsWith('.parquet')).sort();
  const snapshots = await keys(`${layout.grants}system=${system}/`);
  const newest = snapshots.at(-1) ? snapshots.filter((k) => partition(k, 'day') === partition(snapshots.at(-1)!, 'day')) : [];
  const rollup = await keys(layout.rollup);
  for (const files of [newest, rollup, snapshots, await keys(`${layout.usage}system=${system}/`)]) {
    if (files.length && (await matches(ctx, files, system, principal, permission))) return true;
  }
  return false;
}

/** Whether any row of these Parquet files (the system from the file, or from its `system=` folder) names the grant. */
async function matches(ctx: StageContext, keys: string[], system: string, principal: string, permission: string): Promise<boolean> {
  const hit = await ctx.db.one(
    `SELECT 1 AS hit FROM read_parquet($files, hive_partitioning = true, union_by_name = true)
     WHERE system = $system AND ($principal = '' OR lower(principal) = lower($principal))
       AND ($permission = '' OR permission = $permission OR permission GLOB $permission)
     LIMIT 1`,
    { files: await ctx.lake.localPaths(keys), principal, permission, system },
  );
  return hit !== undefined;
}

/** Whether a directory snapshot lists a person (by id, case-insensitively) or a member of a team (exactly). */
async function seenInDirectory(ctx: StageContext, column: 'id' | 'team', value: string): Promise<boolean> {
  const keys = (await ctx.lake.list(layout.directory)).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
  if (keys.length === 0) return false;
  const where = column === 'id' ? 'lower(id) = lower($value)' : 'team = $value';
  const hit = await ctx.db.one(
    `SELECT 1 AS hit FROM read_parquet($files, union_by_name = true) WHERE ${where} LIMIT 1`,
    { files: await ctx.lake.localPaths(keys), value },
  );
  return hit !== undefined;
}
