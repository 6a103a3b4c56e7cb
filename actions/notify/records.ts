import { z } from 'zod';
import { shortId } from '../../core/hash.js';
import { Day } from '../../core/model.js';
import type { Lake } from '../../core/store.js';
import { readRecords } from '../_shared/records.js';

/**
 * What the notify action has sent, kept in the lake: `records/notify/<as-of day>/<message id>.json`, one
 * per message, written right after the transport accepted it. A message is never sent twice (its items
 * are in a record), and never lost (a run that stops half-way wrote records only for what went out, so
 * the next run sends the rest).
 */
export const RECORDS_PREFIX = 'records/notify/';

/**
 * One thing a message told its recipient, at one stage. `key` says which occasion: a finding's flagging
 * (`<finding id>@<first flagged>`), a revocation (`<finding id>@<run id>`) or a run (`run@<run id>`).
 */
export const Stage = z.enum(['notice', 'reminder', 'revoked', 'decision', 'summary']);
export type Stage = z.infer<typeof Stage>;

export const SentItem = z.object({ key: z.string(), stage: Stage });
export type SentItem = z.infer<typeof SentItem>;

export const SentRecord = z.object({
  schema_version: z.literal(1),
  message_id: z.string(),
  /** A person's email (lower-case), or the summary's destination (`slack:#channel`, `mailto:address`). */
  recipient: z.string(),
  transport: z.enum(['slack', 'email']),
  /** Where it went: the Slack channel (a DM's id) and message ts, or the SMTP message id. */
  delivered_to: z.string(),
  receipt: z.string().nullable(),
  as_of: Day,
  run_id: z.string(),
  sent_at: z.string(),
  items: z.array(SentItem),
});
export type SentRecord = z.infer<typeof SentRecord>;

/** The set of (recipient, key, stage) already sent, as strings. */
export type SentSet = Set<string>;

export const sentKey = (recipient: string, key: string, stage: Stage) => `${recipient}\u001f${key}\u001f${stage}`;

export function messageId(recipient: string, runId: string, items: SentItem[]): string {
  return shortId('n', recipient, runId, ...items.map((i) => `${i.stage}:${i.key}`));
}

/** Reads every record, as the set of what was sent. */
export async function readSent(lake: Lake): Promise<SentSet> {
  const out: SentSet = new Set();
  for (const rec of await readRecords(lake, RECORDS_PREFIX, SentRecord, 'notify record')) {
    for (const item of rec.items) out.add(sentKey(rec.recipient, item.key, item.stage));
  }
  return out;
}

export async function writeSent(lake: Lake, rec: SentRecord): Promise<void> {
  await lake.writeText(`${RECORDS_PREFIX}${rec.as_of}/${rec.message_id}.json`, `${JSON.stringify(SentRecord.parse(rec), null, 2)}\n`);
}
