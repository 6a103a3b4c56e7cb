import { shortId } from '../../core/hash.js';
import type { FindingsDocument } from '../../core/model.js';
import type { Lake } from '../../core/store.js';
import { plural } from '../../core/text.js';
import { deriveEvents, type Keyed, type WebhookEvent } from './events.js';
import type { Endpoint, WebhookOptions } from './options.js';
import { deliveredKey, readDelivered } from './records.js';

/**
 * What the webhook action would POST this run, from the findings and the lake alone: for each endpoint,
 * the events it wants and has not accepted yet, in deliveries of `max_events_per_delivery`, the first
 * `max_deliveries` of them due now. A delivery's id (its idempotency key) is made from the URL, the run
 * and the events it carries, so a re-run of the same run sends the same deliveries under the same ids.
 */

export interface Delivery {
  id: string;
  /** The occasions it carries (records.ts). */
  keys: string[];
  /** The exact JSON POSTed (and signed). */
  body: string;
  events: WebhookEvent[];
}

export interface EndpointPlan {
  endpoint: Endpoint;
  due: Delivery[];
  deferred: number;
}

export interface WebhookPlan {
  as_of: string;
  run_id: string;
  endpoints: EndpointPlan[];
}

export async function planWebhook(lake: Lake, doc: FindingsDocument, o: WebhookOptions, mode: string): Promise<WebhookPlan> {
  const events = await deriveEvents(lake, doc, o.catch_up_days);
  const delivered = await readDelivered(lake);
  const endpoints = o.endpoints.map((endpoint) => {
    const wanted = new Set(endpoint.events);
    const pending = events.filter((e) => wanted.has(e.event.type) && !delivered.has(deliveredKey(endpoint.url, e.key)));
    const all = chunks(pending, o.max_events_per_delivery).map((c) => delivery(endpoint.url, doc, mode, c));
    return { endpoint, due: all.slice(0, o.max_deliveries), deferred: Math.max(0, all.length - o.max_deliveries) };
  });
  return { as_of: doc.as_of, run_id: doc.run_id, endpoints };
}

function delivery(url: string, doc: FindingsDocument, mode: string, events: Keyed[]): Delivery {
  const keys = events.map((e) => e.key);
  const id = shortId('wh', url, doc.run_id, ...keys);
  const body = JSON.stringify({ schema: 'lapse.webhook/1', delivery_id: id, run_id: doc.run_id, as_of: doc.as_of, mode, events: events.map((e) => e.event) });
  return { id, keys, body, events: events.map((e) => e.event) };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const SHOWN = 20;

/** What a run would send: a line per endpoint, per delivery, and the first events of each endpoint. */
export function describePlan(plan: WebhookPlan): string[] {
  const out: string[] = [];
  for (const p of plan.endpoints) {
    const events = p.due.flatMap((d) => d.events);
    out.push(`${p.endpoint.url}: ${plural(p.due.length, 'delivery', 'deliveries')} (${plural(events.length, 'event')}${events.length ? `: ${countTypes(events)}` : ''})${p.deferred ? `, ${p.deferred} deferred by max_deliveries` : ''}`);
    for (const d of p.due) out.push(`  POST ${d.id}: ${plural(d.events.length, 'event')}, ${Buffer.byteLength(d.body)} bytes`);
    for (const e of events.slice(0, SHOWN)) out.push(`    ${eventLine(e)}`);
    if (events.length > SHOWN) out.push(`    … and ${events.length - SHOWN} more`);
  }
  return out;
}

function countTypes(events: WebhookEvent[]): string {
  const n = new Map<string, number>();
  for (const e of events) n.set(e.type, (n.get(e.type) ?? 0) + 1);
  return [...n.entries()].map(([t, k]) => `${k} ${t}`).join(', ');
}

export function eventLine(e: WebhookEvent): string {
  const what = e.guard
    ? `${e.guard.system} ${e.guard.guard} held ${e.guard.held}`
    : e.restore
      ? `${e.restore.system} ${e.restore.permission} ${e.restore.principal}`
      : e.revocation
        ? `${e.revocation.system} ${e.revocation.permission} ${e.revocation.principal}`
        : `${e.finding!.system} ${e.finding!.permission} ${e.finding!.principal}`;
  return `${e.type} ${e.day} ${what}`;
}
