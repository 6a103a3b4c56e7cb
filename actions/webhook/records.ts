import { z } from 'zod';
import { Day } from '../../core/model.js';
import type { Lake } from '../../core/store.js';
import { readRecords } from '../_shared/records.js';

/**
 * What the webhook action delivered, kept in the lake: `records/webhook/<as-of day>/<delivery id>.json`,
 * one per delivery, written right after the receiver answered 2xx. An event is never delivered twice to a
 * URL by lapse (its key is in a record), and never lost (a run that stops half-way recorded only what was
 * accepted, so the next run sends the rest); a crash between the 2xx and the record resends the same
 * delivery id, which the receiver drops.
 */
export const RECORDS_PREFIX = 'records/webhook/';

export const DeliveryRecord = z.object({
  schema_version: z.literal(1),
  delivery_id: z.string(),
  url: z.string(),
  as_of: Day,
  run_id: z.string(),
  accepted_at: z.string(),
  /** The receiver's 2xx status, and how many attempts it took. */
  status: z.number().int(),
  attempts: z.number().int(),
  /** The occasions (events.ts) the delivery carried. */
  events: z.array(z.string()),
});
export type DeliveryRecord = z.infer<typeof DeliveryRecord>;

/** The (url, event key) pairs delivered, as strings. */
export type DeliveredSet = Set<string>;

export const deliveredKey = (url: string, key: string) => `${url}\u001f${key}`;

export async function readDelivered(lake: Lake): Promise<DeliveredSet> {
  const out: DeliveredSet = new Set();
  for (const rec of await readRecords(lake, RECORDS_PREFIX, DeliveryRecord, 'webhook record')) {
    for (const e of rec.events) out.add(deliveredKey(rec.url, e));
  }
  return out;
}

export async function writeDelivered(lake: Lake, rec: DeliveryRecord): Promise<void> {
  await lake.writeText(`${RECORDS_PREFIX}${rec.as_of}/${rec.delivery_id}.json`, `${JSON.stringify(DeliveryRecord.parse(rec), null, 2)}\n`);
}
