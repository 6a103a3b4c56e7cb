/**
 * actions: read the findings document; write revocation lists, ticket previews, Jira tickets.
 * Each action is a plugin: `plan` (no side effects) then `apply`, decided by the runner.
 */
import { messageOf } from '../core/errors.js';
import type { FindingsDocument, GuardOverride } from '../core/model.js';
import { describeAction, runFacts, type ActionContext, type RegisteredAction } from './_shared/define.js';
import { jira } from './jira/action.js';
import { jiraProfile } from './jira/checks.js';
import { notify } from './notify/action.js';
import { notifyProfile } from './notify/checks.js';
import { ocsf } from './ocsf/action.js';
import { ocsfProfile } from './ocsf/checks.js';
import { revocationList } from './revocation_list/action.js';
import { revocationListProfile } from './revocation_list/checks.js';
import { ticketPreview } from './ticket_preview/action.js';
import { ticketPreviewProfile } from './ticket_preview/checks.js';
import { webhook } from './webhook/action.js';
import { webhookProfile } from './webhook/checks.js';

export type { Action, ActionContext, ActionProfile, ActionReport, RegisteredAction, RunFacts } from './_shared/define.js';
export { runFacts } from './_shared/define.js';

/** Every action with what it says about itself (its folder's checks.ts), in one explicit list. */
const ALL = [
  describeAction(revocationList, revocationListProfile),
  describeAction(ticketPreview, ticketPreviewProfile),
  describeAction(jira, jiraProfile),
  describeAction(notify, notifyProfile),
  describeAction(ocsf, ocsfProfile),
  describeAction(webhook, webhookProfile),
] as unknown as RegisteredAction[];

export const actions: ReadonlyMap<string, RegisteredAction> = registry(ALL);

function registry(list: RegisteredAction[]): Map<string, RegisteredAction> {
  const map = new Map<string, RegisteredAction>();
  for (const a of list) {
    if (map.has(a.id)) throw new Error(`duplicate action id: ${a.id}`);
    map.set(a.id, a);
  }
  return map;
}

export interface ActionOutcome {
  type: string;
  /** `applied`, or why not: `dry run`, `mode report` (enforce-only action), `failed`. */
  state: 'applied' | 'dry run' | 'mode report' | 'failed';
  lines: string[];
  error?: string;
}

/**
 * Runs the configured actions on a findings document. The one place that decides whether `apply`
 * runs: never on `--dry-run`; enforce-only actions only in `mode: enforce`. A failing action is
 * reported and the others still run.
 */
export async function runActions(
  ctx: ActionContext,
  doc: FindingsDocument,
  opts: { dryRun: boolean; overrides?: GuardOverride[] },
): Promise<ActionOutcome[]> {
  const out: ActionOutcome[] = [];
  const run = runFacts(ctx.config, opts.overrides);
  for (const cfg of ctx.config.actions) {
    const action = actions.get(cfg.type)!;
    const options = action.options.parse(cfg);
    const log = ctx.log.child({ action: action.id });
    try {
      const plan = await action.plan({ ...ctx, log, run }, doc, options);
      if (opts.dryRun || (action.effect === 'enforce' && ctx.config.mode !== 'enforce')) {
        const state = opts.dryRun ? 'dry run' : 'mode report';
        out.push({ type: action.id, state, lines: action.describe(plan).lines });
        continue;
      }
      out.push({ type: action.id, state: 'applied', lines: (await action.apply({ ...ctx, log, run }, plan, options)).lines });
    } catch (err) {
      log.error({ err }, 'action failed');
      out.push({ type: action.id, state: 'failed', lines: [], error: messageOf(err) });
    }
  }
  return out;
}
