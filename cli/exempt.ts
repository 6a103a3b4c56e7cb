import { addDays, isDay } from '../core/days.js';
import { UsageError } from '../core/errors.js';
import { layout, partition } from '../core/layout.js';
import { activeOn, addExemption, listExemptions, revokeExemption, startsOn, unknownGrant, type Exemption, type GrantRef } from '../core/exemptions.js';
import { globProblem } from '../core/glob.js';
import type { Io } from './commands.js';
import { asOfDay, type CliContext } from './context.js';
import { withContext } from './commands.js';

/** The longest an exemption may run: access kept without use should be looked at again within a year. */
const MAX_DAYS = 366;

export interface ExemptOptions {
  config: string;
  system?: string;
  permission?: string;
  principal?: string;
  person?: string;
  team?: string;
  owner?: string;
  reason?: string;
  until?: string;
  requestedBy?: string;
  list?: boolean;
  all?: boolean;
  revoke?: string;
  json?: boolean;
  force?: boolean;
  asOf?: string;
}

/**
 * `lapse exempt`: time-limited exemptions with an owner, a reason and an expiry, kept in the lake as
 * an audit trail. `--list` shows them; `--revoke ID` withdraws one.
 */
export async function exemptCommand(io: Io, o: ExemptOptions): Promise<number> {
  const asOf = asOfDay(o.asOf);
  return withContext(o.config, io, false, async (ctx) => {
    if (o.list) {
      const all = await listExemptions(ctx.lake);
      const shown = o.all ? all : all.filter((e) => activeOn(e, asOf) || startsOn(e) > asOf);
      if (o.json) io.out(`${JSON.stringify(shown, null, 2)}\n`);
      else if (shown.length === 0) io.out(o.all ? 'no exemptions recorded\n' : 'no active exemptions (--all shows expired and revoked ones)\n');
      for (const e of o.json ? [] : shown) {
        const state = e.revoked
          ? `revoked ${e.revoked.revoked_at.slice(0, 10)} by ${e.revoked.revoked_by}`
          : e.until < asOf ? 'expired' : startsOn(e) > asOf ? `starts ${startsOn(e)}` : 'active';
        const who = holder(e);
        io.out(`${e.exemption_id}  ${state.padEnd(8)} ${e.system} ${e.permission} ${who} until ${e.until} — owner ${e.owner}: ${e.reason}\n`);
      }
      return 0;
    }
    if (o.revoke) {
      const known = (await listExemptions(ctx.lake)).find((e) => e.exemption_id === o.revoke);
      if (!known) throw new UsageError(`--revoke ${o.revoke}: no such exemption (lapse exempt --list --all)`);
      const by = need(o.requestedBy, '--requested-by');
      await revokeExemption(ctx.lake, { exemption_id: o.revoke, revoked_by: by, reason: need(o.reason, '--reason') });
      io.out(`exemption ${o.revoke} revoked by ${by}\n`);
      return 0;
    }
    const system = need(o.system, '--system');
    if (!ctx.config.systems[system]) {
      throw new UsageError(`--system ${system}: not configured; configured: ${Object.keys(ctx.config.systems).join(', ')}`);
    }
    if ([o.principal, o.person, o.team].filter((x) => x !== undefined).length !== 1) {
      throw new UsageError('give exactly one of --principal (a native id), --person (a directory id) or --team (a directory team)');
    }
    const until = need(o.until, '--until');
    if (!isDay(until)) throw new UsageError(`--until ${until}: expected a UTC day as YYYY-MM-DD`);
    if (until < asOf || until > addDays(asOf, MAX_DAYS)) {
      const from = o.asOf === undefined ? 'today' : `the as-of day ${asOf}`;
      const to = o.asOf === undefined ? 'from now' : 'after it';
      throw new UsageError(`--until ${until}: must be between ${from} and ${MAX_DAYS} days ${to} (exemptions expire, by design)`);
    }
    const owner = need(o.owner, '--owner');
    const reason = need(o.reason, '--reason');
    const createdBy = o.requestedBy === undefined ? owner : need(o.requestedBy, '--requested-by');
    const permission = need(o.permission, '--permission');
    const problem = globProblem(permission);
    if (problem) throw new UsageError(`--permission ${permission}: invalid glob: ${problem}`);
    const grant = { system, permission, principal: optional(o.principal, '--principal'), person: optional(o.person, '--person'), team: optional(o.team, '--team') };
    await checkKnown(ctx, io, grant, !!o.force, 'record the exemption');
    const { team, ...named } = grant;
    const e = await addExemption(ctx.lake, { ...named, ...(team ? { team } : {}), owner, reason, starts: asOf, until, created_by: createdBy, source: 'cli' });
    io.out(`exemption ${e.exemption_id}: ${e.system} ${e.permission} ${holder(e)} from ${asOf} until ${e.until} (owner ${e.owner})\n`);
    const newest = await newestRun(ctx);
    if (newest !== null && newest < asOf) {
      io.out(`  note: the newest run is as of ${newest}, before ${asOf}: it starts after that run's day, so a run as of ${newest} does not see it (record it with --as-of ${newest} for that)\n`);
    }
    return 0;
  });
}

/** Whom an exemption covers, as the list and the confirmation say it. */
function holder(e: Exemption): string {
  return e.principal ?? (e.person !== null ? `person ${e.person}` : `team ${e.team}`);
}

/** The as-of day of the newest run record in the lake, or null. */
async function newestRun(ctx: CliContext): Promise<string | null> {
  const days = (await ctx.lake.list(layout.runs)).map((o) => partition(o.key, 'as_of')).filter((d): d is string => !!d);
  return days.sort().at(-1) ?? null;
}

/** An audit field: required, and never empty or blank (it is what the record is for). */
export function need(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  if (!value.trim()) throw new UsageError(`${flag} is empty: it is recorded in the audit trail, so say it`);
  return value.trim();
}

function optional(value: string | undefined, flag: string): string | null {
  return value === undefined ? null : need(value, flag);
}

/**
 * Refuses a grant the lake has never seen (a typo would be recorded and cover or restore nothing),
 * unless `force`: then it warns and goes on.
 */
export async function checkKnown(ctx: CliContext, io: Io, grant: GrantRef, force: boolean, what: string): Promise<void> {
  const unknown = await unknownGrant(ctx, grant);
  if (!unknown) return;
  if (!force) throw new UsageError(`${unknown}; check for a typo, or pass --force to ${what} anyway`);
  io.out(`warning: ${unknown}; going on (--force)\n`);
}
