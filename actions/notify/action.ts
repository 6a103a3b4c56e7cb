import { ActionError } from '../../core/errors.js';
import { resolvePath } from '../../core/config.js';
import { plural } from '../../core/text.js';
import { defineAction, factsOf, type ActionContext, type ActionReport } from '../_shared/define.js';
import { NotifyOptions } from './options.js';
import { planNotify, type NotifyPlan } from './plan.js';
import type { SlackDeps } from './slack.js';
import type { Transports } from './send.js';

/**
 * Notices to people before their access lapses, over Slack, email or both. Each holder gets one digest
 * per run with what is new (grants that lapse unless used), a reminder `reminder_days` before a grant goes
 * on a revocation list, and a note once it was put on one, with the exact restore command; each manager,
 * the unusual grants of their people awaiting a decision, linked to the ticket; the security team, a run
 * summary. Every (recipient, finding, stage) goes once: it is recorded in the lake after the send.
 *
 * `plan` reads only the findings and the lake; Slack and SMTP are called in `apply` alone, so a dry run
 * (and `lapse notify --preview DIR`) shows every message without sending one.
 *
 * @example
 * actions:
 *   - type: notify
 *     slack: { token_env: SLACK_BOT_TOKEN, summary_channel: "#access-reviews" }
 *     email:
 *       host: smtp.corp.example
 *       from: "lapse <lapse@corp.example>"
 *       reply_to: security@corp.example
 *       user_env: SMTP_USER
 *       password_env: SMTP_PASSWORD
 *       summary_to: [security@corp.example]
 *     reminder_days: 3
 *     max_messages: 500
 *     contact: "#access-help"
 */
export const notify = defineAction({
  id: 'notify',
  title: 'Notices (Slack, email)',
  effect: 'report',
  options: NotifyOptions,
  async plan(ctx, doc, options): Promise<NotifyPlan> {
    return planNotify(ctx.lake, ctx.config, doc, options, factsOf(ctx));
  },
  describe(plan) {
    return { lines: describePlan(plan) };
  },
  async apply(ctx, plan, options) {
    return applyNotify(ctx, plan, options);
  },
});

export function describePlan(plan: NotifyPlan): string[] {
  const due = Math.min(plan.notices.length, plan.max_messages);
  const stages = new Map<string, number>();
  for (const n of plan.notices.slice(0, due)) for (const i of n.items) stages.set(i.stage, (stages.get(i.stage) ?? 0) + 1);
  const what = [...stages.entries()].map(([s, k]) => `${k} ${s}`).join(', ');
  return [
    `${plural(due, 'message')} to people${what ? ` (${what})` : ''}${plan.notices.length > due ? `, ${plan.notices.length - due} deferred by max_messages` : ''}${plan.summary ? `; the run summary to ${plan.summary.destinations.map((d) => d.replace(/^(slack|mailto):/, '')).join(', ')}` : ''}`,
  ];
}

/** `apply`, with the environment and the sleep between retries injectable for tests. */
export async function applyNotify(ctx: ActionContext, plan: NotifyPlan, options: NotifyOptions, deps: SlackDeps = {}): Promise<ActionReport> {
  const started = Date.now();
  const env = deps.env ?? process.env;
  // Loaded on use: the Slack client and nodemailer are not needed by any other command.
  const [{ Slack, slackToken }, { Smtp }, { deliver }] = await Promise.all([import('./slack.js'), import('./smtp.js'), import('./send.js')]);
  const t: Transports = {
    slack: options.slack ? new Slack(options.slack, slackToken(options.slack, env), ctx.log, deps) : null,
    smtp: options.email ? await Smtp.open(options.email, env, (p) => resolvePath(ctx.config, p)) : null,
  };
  try {
    const d = await deliver(ctx.lake, ctx.log, plan, t);
    const c = d.counts;
    ctx.log.info({ ...c, duration_ms: Date.now() - started }, 'notices sent');
    const line = `${plural(c.sent, 'message')} sent (${c.by_slack} Slack, ${c.by_email} email), ${c.deferred} deferred, ${c.failed} failed, ${c.not_in_slack} not in Slack`;
    if (d.stopped) throw new ActionError(`notify: ${d.stopped}; ${line}; the next run sends the rest`);
    return { lines: [line, ...d.summary] };
  } finally {
    t.smtp?.close();
  }
}
