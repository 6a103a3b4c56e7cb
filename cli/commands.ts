import { runActions } from '../actions/index.js';
import { compact, loadAsOf } from '../aggregate/index.js';
import { allowBlastRadius, detect, explain, history, loadFindings, overrideLine, recordedOverrides, recordOverrides, type AllowBlastRadius } from '../detect/index.js';
import { ingest } from '../ingest/index.js';
import { EXIT } from '../core/errors.js';
import { StoreError, UsageError } from '../core/errors.js';
import type { Config } from '../core/config.js';
import type { FindingsDocument } from '../core/model.js';
import { timer, type Logger } from '../core/log.js';
import { asOfDay, openContext, type CliContext, type OpenOptions } from './context.js';
import { actionsSummary, compactSummary, detectSummary, ingestSummary } from './summary.js';
import { forTerminal, plural } from '../core/text.js';
import { labelled } from '../core/labels.js';

/** Each command composes the stages; stages never call each other. Returns the exit code. */

export interface Io {
  out: (text: string) => void;
  log: Logger;
}

/** Runs `fn` in an open context; `dryRun` (a boolean) or the options: `{ readOnly: true }` for commands that only look. */
export async function withContext<T>(configPath: string, io: Io, dryRun: boolean | OpenOptions, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = await openContext(configPath, io.log, typeof dryRun === 'boolean' ? { dryRun } : dryRun);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** Human lines; on a terminal, wrapped at spaces to fit 100 columns. */
const print = (io: Io, lines: string[]) => io.out(`${forTerminal(lines).join('\n')}\n`);

/** `--allow-blast-radius SYSTEM` (repeatable) with `--reason R`: one reason for all, or one per system in order. */
export interface OverrideFlags {
  allowBlastRadius?: string[];
  reason?: string[];
}

export async function runCommand(io: Io, o: { config: string; asOf?: string; dryRun?: boolean } & OverrideFlags): Promise<number> {
  const asOf = asOfDay(o.asOf);
  return withContext(o.config, io, !!o.dryRun, async (ctx) => {
    const allows = overrideFlags(o, ctx.config);
    print(io, [`lapse run · as of ${asOf} · mode ${ctx.config.mode}${o.dryRun ? ' · DRY RUN (nothing is written)' : ''} · lake ${ctx.lake.uri}`]);
    // Where the run's time goes, for `--log-level debug` and the ingest bench: ready_ms is Node's start, the
    // imports and the context (config, lake, engine), since the process started.
    const phases: Record<string, number> = { ready_ms: Math.round(performance.now()) };
    const lap = timer();
    print(io, ingestSummary(await ingest(ctx, asOf)));
    phases['ingest_ms'] = lap();
    print(io, compactSummary(await compact(ctx)));
    phases['compact_ms'] = lap();
    const tables = await loadAsOf(ctx, asOf);
    phases['load_ms'] = lap();
    const detection = await detect(ctx, tables);
    print(io, detectSummary(detection));
    phases['detect_ms'] = lap();
    // The findings reach JS only for an action or an override to read (thousands of findings: ~1 s).
    const found = ctx.config.actions.length || allows.length ? await detection.load() : { ...detection, findings: [] };
    const code = await act(io, ctx, found, allows, !!o.dryRun);
    ctx.log.debug({ stage: 'run', ...phases, act_ms: lap() }, 'run phases');
    return code;
  });
}

/** Lets the allowed blast-radius holds through (recorded in the run record), runs the actions, and exits. */
async function act(io: Io, ctx: CliContext, found: FindingsDocument, allows: AllowBlastRadius[], dryRun: boolean): Promise<number> {
  const { doc, overrides, added, unused } = allowBlastRadius(found, allows, await recordedOverrides(ctx.lake, found.as_of));
  await recordOverrides(ctx.lake, doc.as_of, added);
  if (overrides.length || unused.length) {
    print(io, [
      'overrides',
      ...overrides.map((x) => `  ${overrideLine(x, !added.includes(x))}`),
      ...unused.map((s) => `  --allow-blast-radius ${s}: no blast-radius hold on ${s} this run; nothing to allow`),
    ]);
  }
  const outcomes = await runActions(ctx, doc, { dryRun, overrides });
  print(io, actionsSummary(outcomes));
  return finish(io, doc.guards.length > 0, outcomes.some((a) => a.state === 'failed'));
}

function overrideFlags(o: OverrideFlags, config: Config): AllowBlastRadius[] {
  const systems = o.allowBlastRadius ?? [];
  const reasons = (o.reason ?? []).map((r) => r.trim());
  if (systems.length === 0 && reasons.length) throw new UsageError('--reason: only with --allow-blast-radius SYSTEM');
  if (systems.length === 0) return [];
  if (reasons.length === 0) throw new UsageError(`--allow-blast-radius ${systems.join(', ')}: needs --reason (why the list may go through; it is recorded)`);
  if (reasons.length !== 1 && reasons.length !== systems.length) {
    throw new UsageError(`--reason given ${reasons.length} times for ${systems.length} --allow-blast-radius systems: give one reason, or one per system`);
  }
  if (reasons.some((r) => r === '')) throw new UsageError('--reason: empty; say why the list may go through');
  return systems.map((system, i) => {
    if (!Object.hasOwn(config.systems, system)) {
      throw new UsageError(`--allow-blast-radius ${system}: not a configured system; configured: ${Object.keys(config.systems).join(', ')}`);
    }
    return { system, reason: reasons.length === 1 ? reasons[0]! : reasons[i]! };
  });
}

function finish(io: Io, guardHeld: boolean, actionFailed: boolean): number {
  if (actionFailed) {
    print(io, ['exit 1: an action failed (see above); the others ran']);
    return EXIT.failed;
  }
  if (guardHeld) {
    print(io, ['exit 3: a safety guard held something back (see guards)']);
    return EXIT.guard;
  }
  return EXIT.ok;
}

export async function ingestCommand(io: Io, o: { config: string; source?: string; asOf?: string; backfillFrom?: string }): Promise<number> {
  const asOf = asOfDay(o.asOf);
  const backfill = o.backfillFrom === undefined ? undefined : asOfDay(o.backfillFrom, '--backfill-from');
  return withContext(o.config, io, false, async (ctx) => {
    if (backfill) startApiSourcesFrom(ctx.config, backfill, o.source);
    print(io, ingestSummary(await ingest(ctx, asOf, o.source)));
    print(io, compactSummary(await compact(ctx)));
    return EXIT.ok;
  });
}

/** `--backfill-from DAY`: where the okta: and github: log sources (of `only`) start when they have no checkpoint yet. */
function startApiSourcesFrom(config: CliContext['config'], day: string, only: string | undefined): void {
  for (const [name, sys] of Object.entries(config.systems)) {
    if (only && name !== only) continue;
    for (const l of sys.logs) for (const api of [l.okta, l.github]) if (api) api.backfill_from = day;
  }
}

export async function detectCommand(io: Io, o: { config: string; asOf?: string; json?: boolean }): Promise<number> {
  const asOf = asOfDay(o.asOf);
  return withContext(o.config, io, false, async (ctx) => {
    const detection = await detect(ctx, await loadAsOf(ctx, asOf));
    if (o.json) io.out(`${JSON.stringify(await detection.load(), null, 2)}\n`);
    else print(io, detectSummary(detection));
    return detection.guards.length ? EXIT.guard : EXIT.ok;
  });
}

export async function actCommand(io: Io, o: { config: string; asOf?: string; dryRun?: boolean } & OverrideFlags): Promise<number> {
  return withContext(o.config, io, !!o.dryRun, async (ctx) => {
    const allows = overrideFlags(o, ctx.config);
    const doc = await loadFindings(ctx, o.asOf === undefined ? undefined : asOfDay(o.asOf));
    if (!doc) throw new StoreError(`no findings in ${ctx.lake.uri}${o.asOf ? ` for ${o.asOf}` : ''}; run lapse detect first`);
    print(io, [`lapse act · findings as of ${doc.as_of} · run ${doc.run_id} · mode ${ctx.config.mode}`]);
    return act(io, ctx, doc, allows, !!o.dryRun);
  });
}

export async function explainCommand(io: Io, o: { config: string; asOf?: string; json?: boolean; who: string }): Promise<number> {
  const asOf = asOfDay(o.asOf);
  return withContext(o.config, io, { readOnly: true }, async (ctx) => {
    const lines = await explain(ctx, await loadAsOf(ctx, asOf), o.who);
    const person = lines.find((l) => l.person)?.person ?? null;
    const events = await history(ctx, o.who, person);
    if (o.json) {
      io.out(`${JSON.stringify({ grants: lines, history: events }, null, 2)}\n`);
      return EXIT.ok;
    }
    if (lines.length === 0) {
      print(io, [`${o.who}: no grants found (looked for a directory id, an email or a principal) as of ${asOf}`]);
    } else {
      print(io, [`${o.who}${person && person !== o.who ? ` (${person})` : ''}: ${plural(lines.length, 'grant')} as of ${asOf}`]);
      for (const l of lines) print(io, [`  ${l.system} ${labelled(l.permission, l.label)}${l.principal !== o.who ? ` as ${l.principal}` : ''}`, `    ${l.verdict.toUpperCase()} — ${l.reason}`]);
    }
    if (events.length) {
      print(io, ['history']);
      for (const e of events) print(io, [`  ${e.day} ${e.event.padEnd(17)} ${e.system} ${e.permission}: ${e.detail}`]);
    }
    return EXIT.ok;
  });
}
