import { join } from 'node:path';
import type { StageContext } from '../core/context.js';
import { sqlString } from '../core/db.js';
import { shortId } from '../core/hash.js';
import { layout } from '../core/layout.js';

export interface CompactReport {
  partitions: number;
  files_before: number;
  files_after: number;
}

/**
 * Merges each usage and action partition (system, day) and each system's ledger into one Parquet file.
 * Safe while workers write: it keeps every row it read (exact duplicates collapse), writes the merged
 * file first and then removes only the files it read, so a shard that lands meanwhile is untouched
 * and a crash in between leaves duplicates that readers already ignore.
 */
export async function compact(ctx: StageContext): Promise<CompactReport> {
  const report: CompactReport = { partitions: 0, files_before: 0, files_after: 0 };
  const groups = new Map<string, string[]>();
  for (const prefix of [layout.usage, layout.actions, layout.objects]) {
    for (const { key } of await ctx.lake.list(prefix)) {
      if (!key.endsWith('.parquet')) continue;
      const dir = key.slice(0, key.lastIndexOf('/') + 1);
      groups.set(dir, [...(groups.get(dir) ?? []), key]);
    }
  }
  for (const [dir, keys] of groups) {
    report.files_before += keys.length;
    report.files_after += 1;
    if (keys.length < 2) continue;
    report.partitions += 1;
    await mergeFiles(ctx, dir, keys);
  }
  ctx.log.info({ stage: 'aggregate', ...report }, 'lake compacted');
  return report;
}

async function mergeFiles(ctx: StageContext, dir: string, keys: string[]): Promise<void> {
  const out = join(await ctx.lake.scratch(), 'merged.parquet');
  try {
    const files = await ctx.lake.localPaths(keys);
    // The partition columns live in the path; read the files without them so the merged file has the same columns.
    await ctx.db.run(
      `COPY (SELECT DISTINCT * FROM read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false, union_by_name = true) ORDER BY ALL)
       TO ${sqlString(out)} (FORMAT parquet)`,
    );
  } catch (err) {
    // Another worker compacting the same partition removed some of these files: its merged file holds them.
    const present = new Set((await ctx.lake.list(dir)).map((o) => o.key));
    if (keys.every((k) => present.has(k))) throw err;
    ctx.log.debug({ stage: 'aggregate', partition: dir }, 'partition compacted by another worker');
    return;
  }
  await ctx.lake.putFile(`${dir}${shortId('c', ...keys)}.parquet`, out);
  await ctx.lake.remove(keys);
}
