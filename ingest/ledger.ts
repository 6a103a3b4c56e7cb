import type { StageContext } from '../core/context.js';
import { layout } from '../core/layout.js';

/** What the lake already holds for a system: ingested object ids, and a stat index to skip re-hashing. */
export interface Ledger {
  ids: Set<string>;
  /** `uri|size|mtime_ms` → object id, so unchanged files are recognised without reading them. */
  byStat: Map<string, string>;
}

export const statKey = (uri: string, size: number, mtime_ms: number) => `${uri}|${size}|${mtime_ms}`;

export async function loadLedger({ lake, db }: Pick<StageContext, 'lake' | 'db'>, system: string): Promise<Ledger> {
  const keys = (await lake.list(`${layout.objects}system=${system}/`)).map((o) => o.key);
  const ledger: Ledger = { ids: new Set(), byStat: new Map() };
  if (keys.length === 0) return ledger;
  const rows = await db.all<{ object_id: string; uri: string; size: number; mtime_ms: number }>(
    'SELECT object_id, uri, size, mtime_ms FROM read_parquet($files)',
    { files: await lake.localPaths(keys) },
  );
  for (const r of rows) {
    ledger.ids.add(r.object_id);
    ledger.byStat.set(statKey(r.uri, r.size, r.mtime_ms), r.object_id);
  }
  return ledger;
}
