import { defineAction, factsOf, type ActionContext, type ActionReport, type RightsizeHook } from '../_shared/define.js';
import type { ApiDeps } from './client.js';
import { JiraOptions } from './options.js';
import { describePlan, planJira, tickets, type JiraPlan } from './tickets.js';
import { jiraRightsize } from './rightsize.js';

/**
 * Jira Cloud tickets (REST v3, through jira.js): one per (person, system) group by default, with the
 * same content as the Markdown preview; stale, never-used and terminated grants go to the security
 * queue, cold-start anomalies to the person's manager. Never a duplicate (the fingerprint → key is
 * kept in the lake, and the fingerprint is a label found by the JQL search); tickets whose grants are
 * all resolved close themselves; answers (won't do, keep, revoke) are read back and recorded once.
 *
 * `plan` reads only the findings and the lake; Jira is called in `apply` alone, so a dry run shows
 * the tickets without touching Jira.
 *
 * @example
 * actions:
 *   - type: jira
 *     url: https://corp.atlassian.net
 *     project: SEC
 *     security_assignee: 5b10a2844c20165700ede21g   # or null: unassigned
 *     priority: { terminated: Highest, cold_start_anomaly: High, stale: Medium, never_used: Low }
 *     resolutions: { "Won't Do": wont_do, "Keep access": keep, "Revoke access": revoke }
 *   # credentials: JIRA_EMAIL and JIRA_API_TOKEN in the environment (email_env / token_env)
 */
export const jira = defineAction({
  id: 'jira',
  title: 'Jira tickets',
  effect: 'report',
  options: JiraOptions,
  async plan(ctx, doc, options): Promise<JiraPlan> {
    return planJira(ctx.lake, doc, options, factsOf(ctx));
  },
  describe(plan) {
    return { lines: describePlan(plan) };
  },
  async apply(ctx, plan, options) {
    return applyJira(ctx, plan, options);
  },
  // `lapse rightsize --tickets`: one ticket per unit owner (rightsize.ts).
  rightsize: jiraRightsize as RightsizeHook<typeof JiraOptions, unknown>,
});

/** `apply`, with the environment and timers injectable for tests. */
export async function applyJira(
  ctx: ActionContext,
  plan: JiraPlan,
  options: JiraOptions,
  deps: ApiDeps & { env?: NodeJS.ProcessEnv; now?: () => Date } = {},
): Promise<ActionReport> {
  const started = Date.now();
  // Loaded on use: jira.js takes longer to import than most commands take to run.
  const [{ credentialsFrom, JiraApi }, { JiraSync }] = await Promise.all([import('./client.js'), import('./sync.js')]);
  const api = new JiraApi(options, credentialsFrom(options, deps.env ?? process.env), ctx.log, deps);
  const result = await new JiraSync(ctx, plan, options, api, deps.now).run();
  ctx.log.info({ ...result.counts, tickets: plan.tickets.length, duration_ms: Date.now() - started }, 'jira synced');
  const summary = Object.entries(result.counts)
    .map(([k, v]) => `${v} ${k.replaceAll('_', ' ')}`)
    .join(', ');
  return { lines: [`${tickets(plan.tickets.length)} in ${plan.project}${summary ? `: ${summary}` : ''}`, ...result.lines] };
}
