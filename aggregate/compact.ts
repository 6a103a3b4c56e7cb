import { readdir } from 'node:fs/promises';
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

/** A partition (usage or action day, or a system's ledger) with more than one file: its merged file replaces them. */
interface Group {
  dir: string;
  keys: string[];
  bytes: number;
}

/**
 * Partitions merged by one statement hold at most this much Parquet: one COPY per partition cost ~7 ms
 * each (183 partitions after the 2,000-person backfill: 1.3 s), and the bound keeps the DISTINCT's
 * memory small at any lake size.
 */
const MERGE_BYTES = 64 * 2 ** 20;
/**
 * And at most this many partitions: with more open at once than DuckDB's partitioned_write_max_open_files
 * (100), it writes some partitions as several files, which the next run would merge again.
 */
const MERGE_PARTITIONS = 64;

/**
 * Merges each usage and action partition (system, day) and each system's ledger into one Parquet file.
 * Safe while workers write: it keeps every row it read (exact duplicates collapse), writes the merged
 * file first and then removes only the files it read, so a shard that lands meanwhile is untouched
 * and a crash in between leaves duplicates that readers already ignore.
 */
export async function compact(ctx: StageContext): Promise<CompactReport> {
  const report: CompactReport = { partitions: 0, files_before: 0, files_after: 0 };
  for (const prefix of [layout.usage, layout.actions, layout.objects]) {
    const groups = new Map<string, Group>();
    for (const { key, size } of await ctx.lake.list(prefix)) {
      if (!key.endsWith('.parquet')) continue;
      const dir = key.slice(0, key.lastIndexOf('/') + 1);
      const g = groups.get(dir) ?? { dir, keys: [], bytes: 0 };
      g.keys.push(key);
      g.bytes += size;
      groups.set(dir, g);
    }
    report.files_before += [...groups.values()].reduce((n, g) => n + g.keys.length, 0);
    report.files_after += groups.size;
    const merging = [...groups.values()].filter((g) => g.keys.length > 1);
    report.partitions += merging.length;
    for (const chunk of chunks(merging)) await mergeGroups(ctx, chunk);
  }
  ctx.log.info({ stage: 'aggregate', ...report }, 'lake compacted');
  return report;
}

/** Groups in runs of at most MERGE_PARTITIONS and MERGE_BYTES (a larger group runs alone). */
function chunks(groups: Group[]): Group[][] {
  const out: Group[][] = [];
  let run: Group[] = [];
  let bytes = 0;
  for (const g of groups) {
    if (run.length && (run.length >= MERGE_PARTITIONS || bytes + g.bytes > MERGE_BYTES)) {
      out.push(run);
      run = [];
      bytes = 0;
    }
    run.push(g);
    bytes += g.bytes;
  }
  if (run.length) out.push(run);
  return out;
}

/**
 * Merges several partitions in one COPY, partitioned by the group each input file belongs to (a bound
 * table of file → group). When it fails (another worker compacting the same partitions removed some of
 * their files), each partition is merged on its own, so the others still are.
 */
async function mergeGroups(ctx: StageContext, groups: Group[]): Promise<void> {
  if (groups.length === 1) return mergeFiles(ctx, groups[0]!);
  const dir = join(await ctx.lake.scratch(), 'merged');
  try {
    const rows: { file: string; part: number }[] = [];
    for (const [part, g] of groups.entries()) {
      for (const file of await ctx.lake.localPaths(g.keys)) rows.push({ file, part });
    }
    await ctx.db.tableFromRows('lapse_compact_files', { file: 'VARCHAR', part: 'INTEGER' }, rows);
    // The partition columns live in the path; read the files without them so the merged file has the same columns.
    await ctx.db.run(
      `COPY (SELECT DISTINCT p.* EXCLUDE (filename), c.part AS lapse_part
             FROM read_parquet($files, hive_partitioning = false, union_by_name = true, filename = true) p
             JOIN lapse_compact_files c ON c.file = p.filename
             )
       TO ${sqlString(dir)} (FORMAT parquet, PARTITION_BY (lapse_part))`,
      { files: rows.map((r) => r.file) },
    );
  } catch {
    for (const g of groups) await mergeFiles(ctx, g);
    return;
  } finally {
    await ctx.db.run('DROP TABLE IF EXISTS lapse_compact_files');
  }
  for (const [part, g] of groups.entries()) {
    // DuckDB may write a partition as several files (one per thread that held its rows): every one is kept.
    const out = join(dir, `lapse_part=${part}`);
    const files = (await readdir(out)).filter((f) => f.endsWith('.parquet')).sort();
    const name = shortId('c', ...g.keys);
    for (const [i, file] of files.entries()) await ctx.lake.putFile(`${g.dir}${name}${i ? `_${i}` : ''}.parquet`, join(out, file));
    await ctx.lake.remove(g.keys);
  }
}

async function mergeFiles(ctx: StageContext, { dir, keys }: Group): Promise<void> {
  const out = join(await ctx.lake.scratch(), 'merged.parquet');
  try {
    const files = await ctx.lake.localPaths(keys);
    await ctx.db.run(
      `COPY (SELECT DISTINCT * FROM read_parquet($files, hive_partitioning = false, union_by_name = true))
       TO ${sqlString(out)} (FORMAT parquet)`,
      { files },
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
