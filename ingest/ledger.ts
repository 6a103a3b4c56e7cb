import type { StageContext } from '../core/context.js';
import { join } from 'node:path';
import { sqlFile, sqlString } from '../core/db.js';
import { shortId } from '../core/hash.js';
import { layout } from '../core/layout.js';
import type { SourceObject } from './sources/source.js';

const READ_LEDGER = sqlFile(import.meta.url, 'ledger_read.sql');
const SEEN_LEDGER = sqlFile(import.meta.url, 'ledger_seen.sql');

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
  const row = await db.one<{ packed: string | null }>(READ_LEDGER, { files: await lake.localPaths(keys) });
  const entries = JSON.parse(row?.packed ?? '[]') as [string, string | null, string | null, string | null][];
  for (const [id, uri, size, mtime] of entries) {
    ledger.ids.add(id);
    // Objects without a local stat (S3 downloads, API pages) are known by their id alone.
    if (uri && size && mtime) ledger.byStat.set(statKey(uri, Number(size), Number(mtime)), id);
  }
  return ledger;
}

/**
 * The ledger skip, the one place ingest decides an object is not new: its id is in the ledger as read
 * when the source started, or was committed since in this run.
 */
export class Known {
  private constructor(private readonly ledger: Ledger) {}

  static async load(ctx: Pick<StageContext, 'lake' | 'db'>, system: string): Promise<Known> {
    return new Known(await loadLedger(ctx, system));
  }

  has(id: string): boolean {
    return this.ledger.ids.has(id);
  }

  /** The id the ledger gave a local file with this path, size and mtime (so it need not be hashed again). */
  idByStat(path: string, size: number, mtime_ms: number): string | undefined {
    return this.ledger.byStat.get(statKey(path, size, mtime_ms));
  }

  /** The objects not known, the first of each id (two names may hold one content). */
  fresh<T extends { object_id: string }>(objects: T[]): T[] {
    const seen = new Set<string>();
    return objects.filter((o) => !this.has(o.object_id) && !seen.has(o.object_id) && seen.add(o.object_id));
  }

  /**
   * Local files whose content the ledger holds but not under this path, size and mtime (a copy under
   * a new name, a touched file): written to the ledger's stat index, so the next run does not read
   * them again. Returns how many were recorded.
   */
  async recordSeen(ctx: Pick<StageContext, 'lake' | 'db'>, system: string, files: SourceObject[]): Promise<number> {
    const seen = files.filter((f) => this.has(f.object_id) && this.idByStat(f.path, f.size, f.mtime_ms) === undefined);
    if (!seen.length) return 0;
    const rows = seen.map((f) => ({ object_id: f.object_id, uri: f.path, size: f.size, mtime_ms: f.mtime_ms }));
    for (const r of rows) this.ledger.byStat.set(statKey(r.uri, r.size, r.mtime_ms), r.object_id);
    if (ctx.lake.readOnly) return rows.length;
    await ctx.db.tableFromRows('lapse_seen', { object_id: 'VARCHAR', uri: 'VARCHAR', size: 'BIGINT', mtime_ms: 'BIGINT' }, rows);
    const file = join(await ctx.lake.scratch(), 'seen.parquet');
    await ctx.db.run(`COPY (${SEEN_LEDGER}) TO ${sqlString(file)} (FORMAT parquet)`);
    await ctx.db.run('DROP TABLE lapse_seen');
    const id = shortId('seen', ...rows.map((r) => statKey(r.uri, r.size, r.mtime_ms)));
    await ctx.lake.putFile(layout.objectsBatch(system, id), file);
    return rows.length;
  }

  /** Remembers objects just committed. */
  committed(objects: { object_id: string }[]): void {
    for (const o of objects) this.ledger.ids.add(o.object_id);
  }
}

/**
 * Where an API source (okta:, github:) resumes: the newest event time it has fetched, the ids of the
 * events within the overlap window before it (to drop when they are read again), and the cursor of the
 * last page. It is written beside the raw objects of its batch before the batch is ingested, and counts
 * only once every one of those objects is in the ledger: it is committed with the ledger, so a crash
 * resumes from the last committed checkpoint.
 */
export interface Checkpoint {
  source: string;
  cursor: string | null;
  /** The newest event time fetched, ISO 8601. */
  newest: string;
  /** Event id → time (ISO) of the events fetched within the overlap window before `newest`. */
  recent: Record<string, string>;
  /** The object ids of the raw objects this checkpoint's batch wrote. */
  objects: string[];
}

/** Checkpoint keys sort by their newest event time (epoch ms, zero-padded), then the batch's hash. */
export const checkpointKey = (system: string, source: string, cp: Checkpoint) =>
  `${layout.rawCheckpoints(system, source)}${String(Date.parse(cp.newest)).padStart(15, '0')}-${shortId('c', ...cp.objects)}.json`;

/** A checkpoint counts once every raw object its batch wrote is in the ledger. */
export const isCommitted = (cp: Checkpoint, known: Known) => cp.objects.every((id) => known.has(id));
