import { ActionError, messageOf } from '../../core/errors.js';
import { plural } from '../../core/text.js';
import { defineAction, factsOf, type ActionContext, type ActionReport } from '../_shared/define.js';
import { WebhookOptions, type Endpoint } from './options.js';
import { describePlan, planWebhook, type EndpointPlan, type WebhookPlan } from './plan.js';
import { writeDelivered } from './records.js';
import { post, type SendDeps } from './send.js';

/**
 * The run's changes POSTed as signed JSON to receivers (a SIEM, a SOAR, a chat bridge): findings new and
 * resolved, grants revoked and restored, guards that held a list. Each delivery carries an HMAC-SHA256
 * signature over `<timestamp>.<body>` and an idempotency key, is retried on 5xx and 429 (honouring
 * Retry-After), and is recorded in the lake once the receiver accepted it: a re-run resends nothing, and a
 * receiver down fails only this action, its changes going with the next run (docs/webhook.md).
 *
 * @example
 * actions:
 *   - type: webhook
 *     endpoints:
 *       - url: https://siem.corp.example/hooks/lapse
 *         secret_env: LAPSE_WEBHOOK_SECRET
 *       - url: https://soar.corp.example/lapse
 *         secret_env: SOAR_WEBHOOK_SECRET
 *         events: [grant.revoked, guard.held]
 *     catch_up_days: 7
 *     max_retries: 4
 */
export const webhook = defineAction({
  id: 'webhook',
  title: 'Signed webhooks',
  effect: 'report',
  options: WebhookOptions,
  async plan(ctx, doc, options): Promise<WebhookPlan> {
    return planWebhook(ctx.lake, doc, options, factsOf(ctx).mode);
  },
  describe(plan) {
    return { lines: describePlan(plan) };
  },
  async apply(ctx, plan, options) {
    return applyWebhook(ctx, plan, options);
  },
});

/** `apply`, with the environment, the clock and the sleep between retries injectable for tests. */
export async function applyWebhook(ctx: ActionContext, plan: WebhookPlan, options: WebhookOptions, deps: SendDeps & { env?: NodeJS.ProcessEnv } = {}): Promise<ActionReport> {
  const lines: string[] = [];
  const failed: string[] = [];
  for (const p of plan.endpoints) {
    const r = await toEndpoint(ctx, plan, p, options, deps);
    const events = r.sent.reduce((n, d) => n + d, 0);
    lines.push(`${p.endpoint.url}: ${plural(r.sent.length, 'delivery', 'deliveries')} accepted (${plural(events, 'event')}), ${p.due.length - r.sent.length + p.deferred} left for the next run`);
    if (r.error) failed.push(r.error);
  }
  if (failed.length) throw new ActionError(`${failed.join('; ')}; ${lines.join('; ')}; the next run sends the rest`);
  return { lines };
}

/** One endpoint's deliveries in order, each recorded right after its 2xx; the first failure stops this endpoint. */
async function toEndpoint(ctx: ActionContext, plan: WebhookPlan, p: EndpointPlan, options: WebhookOptions, deps: SendDeps & { env?: NodeJS.ProcessEnv }) {
  const sent: number[] = [];
  if (p.due.length === 0) return { sent, error: null };
  let secret: string;
  try {
    secret = secretOf(p.endpoint, deps.env ?? process.env);
  } catch (err) {
    return { sent, error: messageOf(err) };
  }
  for (const d of p.due) {
    try {
      const ok = await post(p.endpoint.url, d.id, d.body, secret, options, ctx.log, deps);
      const accepted_at = (deps.now?.() ?? new Date()).toISOString();
      await writeDelivered(ctx.lake, { schema_version: 1, delivery_id: d.id, url: p.endpoint.url, as_of: plan.as_of, run_id: plan.run_id, accepted_at, status: ok.status, attempts: ok.attempts, events: d.keys });
      sent.push(d.events.length);
    } catch (err) {
      ctx.log.error({ err, url: p.endpoint.url, delivery: d.id }, 'webhook stopped');
      return { sent, error: messageOf(err) };
    }
  }
  ctx.log.info({ url: p.endpoint.url, deliveries: sent.length }, 'webhook deliveries accepted');
  return { sent, error: null };
}

/** The endpoint's signing secret from the environment: set, and long enough to be one. */
export function secretOf(e: Endpoint, env: NodeJS.ProcessEnv): string {
  const secret = env[e.secret_env];
  if (!secret) throw new ActionError(`webhook ${e.url}: environment variable ${e.secret_env} (endpoints[].secret_env) is not set`);
  if (secret.length < 16) throw new ActionError(`webhook ${e.url}: the secret in ${e.secret_env} is shorter than 16 characters`);
  return secret;
}
