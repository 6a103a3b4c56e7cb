import { z } from 'zod';
import { Day, RestoreEntry } from './model.js';
import type { Lake } from './store.js';

/**
 * What actions did, kept in the lake so every revocation is auditable and `lapse explain` can tell a
 * person's history: `records/revocations/system=<s>/<run id>.jsonl` (what each written revocation
 * list contained) and `records/restores/system=<s>/<restore id>.json` (each re-grant request).
 */
export const RevocationRecord = z.object({
  finding_id: z.string(),
  system: z.string(),
  principal: z.string(),
  permission: z.string(),
  reason: z.string(),
  as_of: Day,
  run_id: z.string(),
});
export type RevocationRecord = z.infer<typeof RevocationRecord>;

const REVOCATIONS = 'records/revocations/';
const RESTORES = 'records/restores/';

interface ListLike {
  system: string;
  entries: { finding_id: string; principal: string; permission: string; reason: string }[];
  held_reason: string | null;
}

/** Records the entries of a written revocation list (a held list revokes nothing). */
export async function recordRevocations(lake: Lake, run: { as_of: string; run_id: string }, list: ListLike): Promise<void> {
  if (list.held_reason !== null || list.entries.length === 0) return;
  const lines = list.entries.map((e) =>
    JSON.stringify(RevocationRecord.parse({ ...e, system: list.system, as_of: run.as_of, run_id: run.run_id })),
  );
  await lake.writeText(`${REVOCATIONS}system=${list.system}/${run.run_id}.jsonl`, `${lines.join('\n')}\n`);
}

export async function listRevocations(lake: Lake): Promise<RevocationRecord[]> {
  const out: RevocationRecord[] = [];
  for (const { key } of await lake.list(REVOCATIONS)) {
    for (const line of ((await lake.readText(key)) ?? '').split('\n')) {
      if (line.trim()) out.push(RevocationRecord.parse(JSON.parse(line)));
    }
  }
  return out.sort((a, b) => (a.as_of < b.as_of ? -1 : a.as_of > b.as_of ? 1 : 0));
}

export const RestoreRecord = RestoreEntry.extend({ list: z.string() });
export type RestoreRecord = z.infer<typeof RestoreRecord>;

export async function recordRestore(lake: Lake, r: RestoreRecord): Promise<void> {
  await lake.writeText(`${RESTORES}system=${r.system}/${r.restore_id}.json`, `${JSON.stringify(RestoreRecord.parse(r), null, 2)}\n`);
}

export async function listRestores(lake: Lake): Promise<RestoreRecord[]> {
  const out: RestoreRecord[] = [];
  for (const { key } of await lake.list(RESTORES)) out.push(RestoreRecord.parse(JSON.parse((await lake.readText(key)) ?? 'null')));
  return out.sort((a, b) => (a.requested_at < b.requested_at ? -1 : 1));
}
