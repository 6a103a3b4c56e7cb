import { z } from 'zod';
import { Day } from './model.js';
import type { Lake } from './store.js';

/**
 * A person's decision on a finding, read back from where they made it (a manager resolving a Jira
 * ticket): `keep` (recorded as an exemption until a day, with the reason) or `revoke` (the finding
 * enters the next revocation list as a confirmed anomaly). Immutable records under `decisions/`; the
 * newest per finding wins.
 */
export const Decision = z.object({
  finding_id: z.string(),
  decision: z.enum(['keep', 'revoke']),
  decided_by: z.string().min(1),
  decided_at: z.string(),
  reason: z.string(),
  /** For `keep`: the last day the access is kept without review. */
  until: Day.nullable(),
  /** Where it was made, e.g. `jira:SEC-123`. */
  source: z.string(),
});
export type Decision = z.infer<typeof Decision>;

const PREFIX = 'decisions/';

export async function recordDecision(lake: Lake, d: Decision): Promise<void> {
  const rec = Decision.parse(d);
  const stamp = rec.decided_at.replace(/[^0-9]/g, '').slice(0, 14);
  await lake.writeText(`${PREFIX}${rec.finding_id}/${stamp}-${rec.decision}.json`, `${JSON.stringify(rec, null, 2)}\n`);
}

/** The newest decision per finding, made on or before `day`. */
export async function latestDecisions(lake: Lake, day: string): Promise<Map<string, Decision>> {
  const out = new Map<string, Decision>();
  for (const { key } of await lake.list(PREFIX)) {
    if (!key.endsWith('.json')) continue;
    const d = Decision.parse(JSON.parse((await lake.readText(key)) ?? 'null'));
    if (d.decided_at.slice(0, 10) > day) continue;
    const prev = out.get(d.finding_id);
    if (!prev || prev.decided_at < d.decided_at) out.set(d.finding_id, d);
  }
  return out;
}
