import { z } from 'zod';
import { StoreError } from '../../core/errors.js';
import type { Finding } from '../../core/model.js';
import { Day } from '../../core/model.js';
import type { Lake } from '../../core/store.js';

/**
 * What the jira action knows about its tickets, kept in the lake: `records/jira/<fingerprint>.json`,
 * one per ticket group. A record is written only after Jira accepted the change it describes, so a
 * run that fails half-way leaves the truth behind: a ticket not created yet is created next run.
 */
export const RECORDS_PREFIX = 'records/jira/';

export const recordKey = (fingerprint: string) => `${RECORDS_PREFIX}${fingerprint}.json`;

/** A grant as a ticket showed it. */
export const TicketGrant = z.object({
  finding_id: z.string(),
  kind: z.string(),
  system: z.string(),
  principal: z.string(),
  permission: z.string(),
  person: z.string().nullable(),
  /** The flagging this row belongs to: a settlement holds only for the same one. */
  first_flagged: Day,
});
export type TicketGrant = z.infer<typeof TicketGrant>;

export const Closing = z.enum(['resolved', 'wont_do', 'keep', 'revoke', 'closed', 'duplicate', 'gone']);
export type Closing = z.infer<typeof Closing>;

/**
 * A finding settled by a ticket's answer: no new ticket asks about it again for the same flagging
 * (`first_flagged`), until `until` for an answer that expires (won't do, keep).
 */
export const Settlement = z.object({
  finding_id: z.string(),
  outcome: z.enum(['wont_do', 'keep', 'revoke', 'closed']),
  first_flagged: Day,
  until: Day.nullable(),
  key: z.string(),
});
export type Settlement = z.infer<typeof Settlement>;

export const JiraRecord = z.object({
  schema_version: z.literal(1),
  fingerprint: z.string(),
  /** The group's current (newest) issue. */
  key: z.string(),
  id: z.string(),
  open: z.boolean(),
  /** Hash of what lapse last wrote (see `contentHash`): an update is sent only when it changes. */
  content_hash: z.string(),
  grants: z.array(TicketGrant),
  created_at: z.string(),
  updated_at: z.string(),
  closed: z
    .object({ at: z.string(), outcome: Closing, resolution: z.string().nullable(), by: z.string().nullable() })
    .nullable(),
  settled: z.array(Settlement),
  /** Earlier issues of this group, oldest first. */
  history: z.array(z.object({ key: z.string(), outcome: Closing, closed_at: z.string() })),
});
export type JiraRecord = z.infer<typeof JiraRecord>;

export async function readRecords(lake: Lake): Promise<Map<string, JiraRecord>> {
  const out = new Map<string, JiraRecord>();
  for (const { key } of await lake.list(RECORDS_PREFIX)) {
    if (!key.endsWith('.json')) continue;
    const text = await lake.readText(key);
    if (text === undefined) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new StoreError(`${lake.uri}/${key}: not JSON: ${(err as Error).message}`);
    }
    const parsed = JiraRecord.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new StoreError(`${lake.uri}/${key}: not a jira record: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`);
    }
    out.set(parsed.data.fingerprint, parsed.data);
  }
  return out;
}

export async function writeRecord(lake: Lake, rec: JiraRecord): Promise<void> {
  await lake.writeText(recordKey(rec.fingerprint), `${JSON.stringify(JiraRecord.parse(rec), null, 2)}\n`);
}

/** Whether a settlement still holds for this finding on this day. */
export function settles(s: Settlement, f: Finding, day: string): boolean {
  return s.finding_id === f.finding_id && s.first_flagged === f.first_flagged && (s.until === null || day <= s.until);
}

/** The settlements of every record that still hold for a finding, by finding id. */
export function settledIds(records: Iterable<JiraRecord>, findings: Finding[], day: string): Set<string> {
  const byId = new Map<string, Settlement[]>();
  for (const r of records) for (const s of r.settled) byId.set(s.finding_id, [...(byId.get(s.finding_id) ?? []), s]);
  return new Set(findings.filter((f) => (byId.get(f.finding_id) ?? []).some((s) => settles(s, f, day))).map((f) => f.finding_id));
}
