import type { z } from 'zod';
import type { CheckContext, Permission } from '../../core/checks.js';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/log.js';
import type { FindingsDocument, GuardOverride } from '../../core/model.js';
import type { Lake } from '../../core/store.js';

export interface ActionContext {
  config: Config;
  /** The lake, for action records (what was written, ticket keys). */
  lake: Lake;
  log: Logger;
  /** What this run does, as the runner decided it (default: a real run of the config, no override). */
  run?: RunFacts;
}

/**
 * Facts about the run an action is part of, set by the runner: an action never reads the mode to decide
 * whether to apply, but a ticket must tell its reader truthfully what happens next. (A dry run plans what
 * the real run would write, so it is not among them.)
 */
export interface RunFacts {
  mode: 'report' | 'enforce';
  /** The config writes revocation lists (`mode: enforce` and a revocation_list action); a dry run writes none. */
  writes_lists: boolean;
  /** Blast-radius holds let through for this run (`--allow-blast-radius`). */
  overrides: GuardOverride[];
  /** What the config says about each system for people (`systems.<s>.description`, `owner`): tickets show it. */
  systems?: Record<string, SystemAbout>;
  /** Where the expiring-access site is served (`site.url`): tickets and notices link to people's pages. */
  site_url?: string | null;
}

export interface SystemAbout {
  description: string | null;
  owner: string | null;
}

export function runFacts(config: Config, overrides: GuardOverride[] = []): RunFacts {
  const writes_lists = config.mode === 'enforce' && config.actions.some((a) => a.type === 'revocation_list');
  const systems = Object.fromEntries(Object.entries(config.systems).map(([name, s]) => [name, { description: s.description ?? null, owner: s.owner ?? null }]));
  return { mode: config.mode, writes_lists, overrides, systems, site_url: config.site?.url ?? null };
}

export const factsOf = (ctx: ActionContext): RunFacts => ctx.run ?? runFacts(ctx.config);

/** What an action reports after planning or applying: short human lines for the run summary. */
export interface ActionReport {
  lines: string[];
}

/**
 * One `lapse rightsize --tickets` ticket: a unit owner's recommendations on one system (docs/rightsize.md).
 * (system, owner) is its identity across runs: an action dedupes on it.
 */
export interface RightsizeTicket {
  system: string;
  owner: string;
  summary: string;
  /** The description, paragraph by paragraph (a recommended policy is one paragraph of JSON). */
  paragraphs: string[];
  /** The units it covers. */
  units: string[];
}

/** An action's optional rightsize hook: plan (no side effects), describe, apply; the CLI decides whether apply runs. */
export interface RightsizeHook<S extends z.ZodObject, P> {
  plan(ctx: ActionContext, tickets: RightsizeTicket[], options: z.infer<S>): Promise<P>;
  describe(plan: P): ActionReport;
  apply(ctx: ActionContext, plan: P, options: z.infer<S>): Promise<ActionReport>;
}

/**
 * An action receives the findings document and does something with it. It is split in two:
 * `plan` computes everything (pure, no side effects) and `apply` performs it. The runner alone decides
 * whether `apply` runs (`--dry-run`, report vs enforce mode); an action never reads those flags.
 */
export interface Action<S extends z.ZodObject = z.ZodObject, P = unknown> {
  /** Persisted (config, lake records): snake_case, named after what it produces. */
  readonly id: string;
  readonly title: string;
  /** `enforce` actions take access away and run only in `mode: enforce`; `report` actions always run. */
  readonly effect: 'report' | 'enforce';
  /** This action's keys in its `actions:` entry (besides `type`). */
  readonly options: S;
  plan(ctx: ActionContext, doc: FindingsDocument, options: z.infer<S>): Promise<P>;
  describe(plan: P): ActionReport;
  apply(ctx: ActionContext, plan: P, options: z.infer<S>): Promise<ActionReport>;
  /** Files `lapse rightsize` recommendations, one ticket per unit owner (the jira action has it). */
  readonly rightsize?: RightsizeHook<S, unknown>;
}

/**
 * What an action says about itself, beside its code in `actions/<id>/checks.ts`: what `lapse doctor`
 * checks for it, what it needs, where it is documented. The registry joins the two (`describeAction`).
 */
export interface ActionProfile<S extends z.ZodObject = z.ZodObject> {
  /** What doctor checks for a configured entry of this action (its target, its vendor), reported through `ctx.say`. */
  checks(options: z.infer<S>, ctx: CheckContext): Promise<void>;
  /** What this action takes: IAM actions on its target, or the vendor's permissions (none: an empty list). */
  readonly permissions: readonly Permission[];
  /** Its docs page, from the repository root, optionally with a heading (`docs/jira.md`, `README.md#outputs`). */
  readonly docs: string;
}

/** An action as the registry holds it: what it does and what it says about itself. */
export type RegisteredAction<S extends z.ZodObject = z.ZodObject, P = unknown> = Action<S, P> & ActionProfile<S>;

export function defineAction<S extends z.ZodObject, P>(action: Action<S, P>): Action<S, P> {
  return action;
}

export function describeAction<S extends z.ZodObject, P>(action: Action<S, P>, profile: ActionProfile<S>): RegisteredAction<S, P> {
  return { ...action, ...profile };
}
