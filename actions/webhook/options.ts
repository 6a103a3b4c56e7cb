import { z } from 'zod';

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

/** Hosts a plain-http URL may name: the machine itself (a local relay, a test receiver). */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http to the loopback host; no user name or password in it (URLs are logged and recorded). */
const Url = z
  .url({ error: 'must be a URL, e.g. https://siem.corp.example/hooks/lapse' })
  .refine((u) => new URL(u).protocol === 'https:' || (new URL(u).protocol === 'http:' && LOOPBACK.has(new URL(u).hostname)), {
    error: 'must be https (plain http only to 127.0.0.1 or localhost)',
  })
  .refine((u) => !new URL(u).username && !new URL(u).password, { error: 'must not hold a user name or password (the secret goes in secret_env)' });

export const EventType = z.enum(['finding.new', 'finding.resolved', 'grant.revoked', 'grant.restored', 'guard.held']);
export type EventType = z.infer<typeof EventType>;

const Endpoint = z
  .strictObject({
    url: Url.describe('Where deliveries are POSTed. Its records in the lake are keyed by it: a new URL gets the catch-up window again.'),
    secret_env: EnvName.describe('Environment variable holding the HMAC-SHA256 signing secret (never logged; at least 16 characters).'),
    events: z.array(EventType).min(1).default(EventType.options).describe('Which changes this receiver gets (default: all).'),
  })
  .describe('One receiver.');

/** The webhook action's keys in its `actions:` entry. */
export const WebhookOptions = z
  .object({
    endpoints: z.array(Endpoint).min(1, 'configure at least one endpoint').describe('The receivers; each gets every change once.'),
    catch_up_days: z
      .number()
      .int()
      .min(0)
      .max(90)
      .default(7)
      .describe('Changes of this many days back not yet delivered go too (a run missed or failed is caught up); older ones are not.'),
    max_events_per_delivery: z.number().int().min(1).max(10_000).default(100).describe('Events in one POST; more go in further deliveries.'),
    max_deliveries: z.number().int().min(1).max(10_000).default(50).describe('At most this many POSTs per endpoint per run; the rest go next run.'),
    timeout_secs: z.number().positive().max(600).default(30).describe('Timeout of one request.'),
    max_retries: z.number().int().min(0).max(10).default(4).describe('Retries of one delivery after a 5xx, a 429 or a network error (backoff 1, 2, 4… s, or the Retry-After).'),
    max_retry_after_secs: z
      .number()
      .positive()
      .max(3600)
      .default(120)
      .describe('Longest wait lapse accepts (Retry-After or backoff); a receiver asking for longer stops its deliveries until the next run.'),
  })
  .superRefine((o, ctx) => {
    const seen = new Set<string>();
    for (const [i, e] of o.endpoints.entries()) {
      if (seen.has(e.url)) ctx.addIssue({ code: 'custom', path: ['endpoints', i, 'url'], message: `${e.url} is configured twice` });
      seen.add(e.url);
    }
  });
export type WebhookOptions = z.infer<typeof WebhookOptions>;
export type Endpoint = WebhookOptions['endpoints'][number];
