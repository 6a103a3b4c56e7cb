import { z } from 'zod';
import { Day } from './model.js';
import { shortId } from './hash.js';
import type { Lake } from './store.js';

/**
 * Time-limited exemptions, kept in the lake as immutable records: `exemptions/<id>.json` when one is
 * granted and `exemptions/<id>.revoked.json` if it is withdrawn. Nothing is ever edited, so the
 * folder is the audit trail. Written by `lapse exempt` and by actions (a Jira ticket closed as
 * "won't do", a manager's "keep").
 */
export const Exemption = z.object({
  exemption_id: z.string(),
  system: z.string(),
  /** An exact permission, or `*` for every permission on the system. */
  permission: z.string(),
  /** A native principal; or null when the exemption names a person (all their principals). */
  principal: z.string().nullable(),
  person: z.string().nullable(),
  owner: z.string().min(1),
  reason: z.string().min(1),
  /** Last day the exemption applies (inclusive). */
  until: Day,
  created_at: z.string(),
  created_by: z.string().min(1),
  /** Where it came from: `cli`, `jira`, … */
  source: z.string(),
});
export type Exemption = z.infer<typeof Exemption>;

export const ExemptionRevocation = z.object({
  exemption_id: z.string(),
  revoked_at: z.string(),
  revoked_by: z.string().min(1),
  reason: z.string().min(1),
});
export type ExemptionRevocation = z.infer<typeof ExemptionRevocation>;

const PREFIX = 'exemptions/';

export type NewExemption = Omit<Exemption, 'exemption_id' | 'created_at'>;

/** Records an exemption; the id is derived from its content and time, so a retry writes the same file. */
export async function addExemption(lake: Lake, e: NewExemption, now = new Date()): Promise<Exemption> {
  const created_at = now.toISOString();
  const exemption = Exemption.parse({
    ...e,
    created_at,
    exemption_id: shortId('x', e.system, e.permission, e.principal ?? '', e.person ?? '', e.until, e.reason, created_at),
  });
  await lake.writeText(`${PREFIX}${exemption.exemption_id}.json`, `${JSON.stringify(exemption, null, 2)}\n`);
  return exemption;
}

export async function revokeExemption(lake: Lake, r: Omit<ExemptionRevocation, 'revoked_at'>, now = new Date()): Promise<void> {
  const rec = ExemptionRevocation.parse({ ...r, revoked_at: now.toISOString() });
  await lake.writeText(`${PREFIX}${rec.exemption_id}.revoked.json`, `${JSON.stringify(rec, null, 2)}\n`);
}

export interface ExemptionState extends Exemption {
  revoked: ExemptionRevocation | null;
}

/** Every exemption ever recorded, with its revocation if any, oldest first. */
export async function listExemptions(lake: Lake): Promise<ExemptionState[]> {
  const keys = (await lake.list(PREFIX)).map((o) => o.key);
  const read = async (k: string) => JSON.parse((await lake.readText(k)) ?? 'null') as unknown;
  const revoked = new Map<string, ExemptionRevocation>();
  for (const k of keys.filter((k) => k.endsWith('.revoked.json'))) {
    const r = ExemptionRevocation.parse(await read(k));
    revoked.set(r.exemption_id, r);
  }
  const out: ExemptionState[] = [];
  for (const k of keys.filter((k) => !k.endsWith('.revoked.json') && k.endsWith('.json'))) {
    const e = Exemption.parse(await read(k));
    out.push({ ...e, revoked: revoked.get(e.exemption_id) ?? null });
  }
  return out.sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
}

/** Whether an exemption applies on a day: created by then, not expired, not revoked by then. */
export function activeOn(e: ExemptionState, day: string): boolean {
  return e.created_at.slice(0, 10) <= day && day <= e.until && !(e.revoked && e.revoked.revoked_at.slice(0, 10) <= day);
}
