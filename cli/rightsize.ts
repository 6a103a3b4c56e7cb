import { loadActionUses, loadAsOf } from '../aggregate/index.js';
import { addDays } from '../core/days.js';
import { EXIT, UsageError } from '../core/errors.js';
import { plural } from '../core/text.js';
import { writeFile } from 'node:fs/promises';
import { actions } from '../actions/index.js';
import { rightsizePage } from '../report/index.js';
import { StoreError } from '../core/errors.js';
import { messageOf } from '../core/errors.js';
import { rightsize, rightsizeTickets, type Granularity, type RightsizeDocument, type RightsizeUnit } from '../rightsize/index.js';
import { asOfDay, type CliContext } from './context.js';
import { withContext, type Io } from './commands.js';
import type { Config } from '../core/config.js';
import type { Day } from '../core/days.js';

/** `lapse rightsize`: per grantable unit, what its holders used against what it grants (docs/rightsize.md). */

const MAX_DAYS = 3650;
/** The window `lapse rightsize` judges without --days (and the site's right-sizing page). */
export const DEFAULT_DAYS = 90;

export interface RightsizeFlags {
  config: string;
  asOf?: string;
  system?: string;
  days?: string;
  granularity?: string;
  json?: boolean;
  /** File the recommendations through each configured action that has a rightsize hook (jira). */
  tickets?: boolean;
  dryRun?: boolean;
  /** Also write the right-sizing page (self-contained HTML) to this file. */
  html?: string;
}

export async function rightsizeCommand(io: Io, o: RightsizeFlags): Promise<number> {
  const asOf = asOfDay(o.asOf);
  const days = parseDays(o.days);
  const granularity = parseGranularity(o.granularity);
  if (o.dryRun && !o.tickets) throw new UsageError('--dry-run: only with --tickets (rightsize itself writes nothing)');
  return withContext(o.config, io, { readOnly: true }, async (ctx) => {
    const systems = chosenSystems(ctx.config, o.system);
    await loadAsOf(ctx, asOf);
    const doc = await rightsizeDocument(ctx, { asOf, days, granularity, systems, ...(o.system ? { system: o.system } : {}) });
    io.out(o.json ? `${JSON.stringify(doc, null, 2)}\n` : `${summary(doc).join('\n')}\n`);
    if (o.html) await writeHtml(o.html, doc);
    if (!o.tickets) return EXIT.ok;
    const lines = await fileTickets(ctx, doc, !!o.dryRun);
    (o.json ? io.log.info.bind(io.log) : (l: string) => io.out(`${l}\n`))(lines.join('\n'));
    return lines.some((l) => l.startsWith('failed')) ? EXIT.failed : EXIT.ok;
  });
}

/**
 * The rightsize document as of `asOf` over `days`, for the chosen systems that keep action summaries
 * (or had them in the window); `system`: only that one, named by the user. Needs loadAsOf(asOf) first.
 */
export async function rightsizeDocument(
  ctx: CliContext, o: { asOf: Day; days: number; granularity: Granularity; systems: string[]; system?: string },
): Promise<RightsizeDocument> {
  const from = addDays(o.asOf, -(o.days - 1));
  const coverage = await loadActionUses(ctx, { from, to: o.asOf, ...(o.system ? { system: o.system } : {}) });
  return rightsize(ctx, {
    asOf: o.asOf, from, to: o.asOf, days: o.days, granularity: o.granularity,
    systems: o.systems.filter((s) => o.system || isActionSystem(ctx.config, s) || coverage.some((c) => c.system === s)),
    coverage: new Map(coverage.map((c) => [c.system, c])),
  });
}

async function writeHtml(file: string, doc: RightsizeDocument): Promise<void> {
  try {
    await writeFile(file, rightsizePage(doc));
  } catch (err) {
    throw new StoreError(`--html ${file}: cannot write the page: ${messageOf(err)}`, { cause: err });
  }
}

/** Runs the rightsize hook of every configured action that has one: plans, then applies unless a dry run. */
async function fileTickets(ctx: CliContext, doc: RightsizeDocument, dryRun: boolean): Promise<string[]> {
  const tickets = rightsizeTickets(doc, ctx.config);
  const lines = ['tickets'];
  for (const cfg of ctx.config.actions) {
    const action = actions.get(cfg.type)!;
    if (!action.rightsize) continue;
    const options = action.options.parse(cfg);
    const actx = { config: ctx.config, lake: ctx.lake, log: ctx.log.child({ action: action.id }) };
    try {
      const plan = await action.rightsize.plan(actx, tickets, options);
      const report = dryRun ? action.rightsize.describe(plan) : await action.rightsize.apply(actx, plan, options);
      lines.push(...report.lines.map((l, i) => `  ${i ? '  ' : `${action.id}${dryRun ? ' (dry run)' : ''}: `}${l}`));
    } catch (err) {
      lines.push(`failed ${action.id}: ${messageOf(err)}`);
    }
  }
  if (lines.length === 1) lines.push('  no configured action files rightsize tickets (the jira action does)');
  return lines;
}

function parseDays(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DAYS;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > MAX_DAYS) {
    throw new UsageError(`--days ${value}: expected whole days from 1 to ${MAX_DAYS}`);
  }
  return Number(value);
}

function parseGranularity(value: string | undefined): Granularity {
  if (value === undefined || value === 'service' || value === 'action') return value ?? 'service';
  throw new UsageError(`--granularity ${value}: expected service or action`);
}

function chosenSystems(config: Config, system: string | undefined): string[] {
  const names = Object.keys(config.systems);
  if (system === undefined) return names;
  if (!names.includes(system)) throw new UsageError(`--system ${system}: no such system in the config; systems: ${names.join(', ')}`);
  return [system];
}

/** A system whose config asks for action-level summaries (`actions: true`). */
const isActionSystem = (config: Config, system: string): boolean => config.systems[system]!.actions;

/** The human summary: per system, each unit that has something to say. */
export function summary(doc: RightsizeDocument): string[] {
  const head = [
    `lapse rightsize · as of ${doc.as_of} · ${doc.window.days} days (${doc.window.from} … ${doc.window.to}) · by ${doc.granularity}`,
  ];
  if (doc.systems.length === 0) return [...head, 'no system keeps action-level summaries: set actions: true on a system (docs/rightsize.md)'];
  const lines = [...head];
  for (const s of doc.systems) {
    const units = doc.units.filter((u) => u.system === s.system);
    const shrink = units.filter((u) => u.status === 'shrink').length;
    const span = s.actions_from ? `actions ${s.actions_from} … ${s.actions_to}` : 'no action summaries';
    lines.push('', `${s.system} (${s.connector}) · ${plural(units.length, 'unit')}, ${shrink} to shrink · logs carry ${s.logged.join(', ')} · ${span}`);
    if (s.note) lines.push(`  ${s.note}`);
    for (const u of units) lines.push(...unitLines(u));
    const holders = doc.github_holders.filter((h) => h.system === s.system && h.grant !== h.granted);
    if (holders.length) lines.push('  by holder', ...holders.map((h) => `    ${h.text}`));
  }
  lines.push('', 'every unit, each holder and the recommended documents: --json');
  return lines;
}

function unitLines(u: RightsizeUnit): string[] {
  const name = `${u.label ?? u.unit}${u.role ? ` (${u.role})` : ''}`;
  const out = [`  ${name} · ${u.status.replace('_', ' ')} · ${u.users} of ${plural(u.holders, 'holder')} used it${u.reason ? ` · ${u.reason}` : ''}`];
  if (u.recommendation) out.push(`    recommend: ${u.recommendation.text}`);
  if (u.unobservable.count) {
    const cats = Object.entries(u.unobservable.by_category).map(([c, n]) => `${c} ${n}`).join(', ');
    out.push(`    unobservable, kept: ${plural(u.unobservable.count, 'action')} (${cats}) in ${u.unobservable.services.join(', ')}`);
  }
  if (u.not_iam.length) out.push(`    not IAM actions, not judged: ${u.not_iam.join(', ')}`);
  if (u.pruning) out.push(`    prune: ${u.pruning.text}`);
  for (const n of u.notes) out.push(`    note: ${n}`);
  return out;
}
