import type { StageContext } from '../core/context.js';
import { layout } from '../core/layout.js';

/** What the lake already holds for a system: ingested object ids, and a stat index to skip re-hashing. */
export interface Ledger {
  ids: Set<string>;
  /** `uri|size|mtime_ms` → object id, so unchanged files are recognised without reading them. */
  byStat: Map<string, string>;
}

export const statKey = (uri: string, size: number, mtime_ms: number) => `${uri}|${size}|${mtime_ms}`;

/**
 * Reads the ledger. Another worker's compaction may remove a ledger file between the listing and the
 * read (its rows are in the merged file by then), so a read that fails while the listing changed is
 * tried again on a fresh listing.
 */
export async function loadLedger(ctx: Pick<StageContext, 'lake' | 'db'>, system: string): Promise<Ledger> {
  for (let attempt = 1; ; attempt++) {
    const keys = (await ctx.lake.list(`${layout.objects}system=${system}/`)).map((o) => o.key);
    try {
      return await readLedger(ctx, keys);
    } catch (err) {
      const now = new Set((await ctx.lake.list(`${layout.objects}system=${system}/`)).map((o) => o.key));
      if (attempt >= 5 || keys.every((k) => now.has(k))) throw err;
    }
  }
}

async function readLedger({ lake, db }: Pick<StageContext, 'lake' | 'db'>, keys: string[]): Promise<Ledger> {
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
