import type { StageContext } from '../core/context.js';
import type { Day } from '../core/days.js';
import { sqlString } from '../core/db.js';
import { layout, partition } from '../core/layout.js';
import { emptyRelation, usage, type Relation } from '../core/relations.js';
import type { Lake } from '../core/store.js';

/** `lapse_usage_files`: every daily summary in the lake (the whole history). */
export async function usageView(ctx: StageContext, keys?: string[]): Promise<void> {
  await view(ctx, 'lapse_usage_files', keys ?? (await parquetKeys(ctx.lake, layout.usage)), usage);
}

/**
 * A view over Parquet files of the lake holding `rel`'s rows, Hive partitions as columns (no files: no
 * rows). Columns files written before a column existed lack read as NULL (a union by name with the empty relation).
 */
export async function view(ctx: StageContext, name: string, keys: string[], rel: Relation): Promise<void> {
  if (keys.length === 0) {
    await ctx.db.run(`CREATE OR REPLACE TEMP VIEW ${name} AS ${emptyRelation(rel)}`);
    return;
  }
  const list = (await ctx.lake.localPaths(keys)).map(sqlString).join(', ');
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
