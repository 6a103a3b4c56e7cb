import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StageContext } from '../core/context.js';
import type { Day } from '../core/days.js';
import { sqlString } from '../core/db.js';
import { layout, partition } from '../core/layout.js';
import { emptyRelation, usage, type Relation } from '../core/relations.js';
import { linkOrCopy, type Lake } from '../core/store.js';

/** `lapse_usage_files`: every daily summary in the lake (the whole history). */
export async function usageView(ctx: StageContext, keys?: string[]): Promise<void> {
  await view(ctx, 'lapse_usage_files', keys ?? (await parquetKeys(ctx.lake, layout.usage)), usage);
}

/**
 * Local paths that read the same all run long. A local lake's file can be renamed over meanwhile (an ingest
 * rewriting today's snapshot), and a view reads its files at every query: each is hard-linked into scratch
 * (copied where no link can be made), under its key, so its Hive partitions stay in the path. An S3 lake's
 * paths are this process's downloads already; a read-only lake has no scratch, and reads the lake's files.
 */
async function pinnedPaths(lake: Lake, keys: string[]): Promise<string[]> {
  const paths = await lake.localPaths(keys);
  if (lake.readOnly) return paths;
  const dir = join(await lake.scratch(), `pinned-${randomUUID()}`);
  return Promise.all(
    paths.map(async (path, i) => {
      const to = join(dir, keys[i]!);
      await mkdir(dirname(to), { recursive: true });
      await linkOrCopy(path, to);
      return to;
    }),
  );
}

/**
 * A view over Parquet files of the lake holding `rel`'s rows, Hive partitions as columns (no files: no
 * rows). Columns files written before a column existed lack read as NULL (a union by name with the empty relation).
 */
export async function view(ctx: StageContext, name: string, keys: string[], rel: Relation, opts: { pin?: boolean } = {}): Promise<void> {
  if (keys.length === 0) {
    await ctx.db.run(`CREATE OR REPLACE TEMP VIEW ${name} AS ${emptyRelation(rel)}`);
    return;
  }
  const paths = opts.pin ? await pinnedPaths(ctx.lake, keys) : await ctx.lake.localPaths(keys);
  const list = paths.map(sqlString).join(', ');
  await ctx.db.run(
    `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM read_parquet([${list}], hive_partitioning = true, union_by_name = true)
     UNION ALL BY NAME ${emptyRelation(rel)}`,
  );
}

export async function parquetKeys(lake: Lake, prefix: string): Promise<string[]> {
  return (await lake.list(prefix)).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
}

/** The files of the newest `day=` partition on or before `asOf` (per value of `by`, when given). */
export async function latestKeys(lake: Lake, prefix: string, asOf: Day, by?: string): Promise<string[]> {
  const newest = new Map<string, { day: string; keys: string[] }>();
  for (const key of await parquetKeys(lake, prefix)) {
    const day = partition(key, 'day');
    if (!day || day > asOf) continue;
    const group = by ? (partition(key, by) ?? '') : '';
    const cur = newest.get(group);
    if (!cur || cur.day < day) newest.set(group, { day, keys: [key] });
    else if (cur.day === day) cur.keys.push(key);
  }
  return [...newest.values()].flatMap((v) => v.keys).sort();
}
