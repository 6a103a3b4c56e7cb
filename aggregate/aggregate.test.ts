import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sqlString } from '../core/db.js';
import { ingest } from '../ingest/index.js';
import { config, jsonl, stageContext, tempDir, writeFiles } from '../test/helpers.js';
import { compact, loadAsOf } from './index.js';

const MAPPING = { time: 'ts', principal: 'user', permission: 'perm' };

/** One person, one grant, one use on 2026-03-01 in logs/1.jsonl; a stage context over it. */
async function oneUse() {
  const dir = await tempDir();
  await writeFiles(dir, {
    'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\n',
    'grants.jsonl': jsonl([{ principal: 'ann@corp.example', permission: 'db' }]),
    'logs/1.jsonl': jsonl([{ ts: '2026-03-01T10:00:00Z', user: 'ann@corp.example', perm: 'db' }]),
  });
  const cfg = config(dir, {
    directory: { path: 'people.csv' },
    systems: { app: { connector: 'jsonl', logs: [{ path: 'logs/' }], grants: { path: 'grants.jsonl' }, mapping: MAPPING } },
  });
  return { dir, ctx: await stageContext(cfg) };
}

describe('aggregate', () => {
  test('compaction merges shards and ledgers without changing what detect reads', async () => {
    const { dir, ctx } = await oneUse();
    await ingest(ctx, '2026-03-10');
    await writeFiles(dir, { 'logs/2.jsonl': jsonl([{ ts: '2026-03-01T12:00:00Z', user: 'ann@corp.example', perm: 'db' }, { ts: '2026-03-05T12:00:00Z', user: 'ann@corp.example', perm: 'db' }]) });
    await ingest(ctx, '2026-03-10');
    const read = async () => {
      await loadAsOf(ctx, '2026-03-10');
      return ctx.db.all('SELECT principal, permission, first_used::VARCHAR AS f, last_used::VARCHAR AS l FROM lapse_last_use');
    };
    const before = await read();
    const shards = (await ctx.lake.list('usage_daily/system=app/day=2026-03-01/')).length;
    expect(shards).toBe(2);
    const report = await compact(ctx);
    expect(report.partitions).toBe(2); // the day with two shards, and the ledger
    expect((await ctx.lake.list('usage_daily/system=app/day=2026-03-01/')).length).toBe(1);
    expect(await read()).toEqual(before);
    expect(before).toEqual([{ principal: 'ann@corp.example', permission: 'db', f: '2026-03-01', l: '2026-03-05' }]);
    ctx.close();
  });

  test('several partitions merge in one statement, each into its own file with the columns it had', async () => {
    const { dir, ctx } = await oneUse();
    const uses = (hour: number) => [1, 2, 3].map((d) => ({ ts: `2026-03-0${d}T${hour}:00:00Z`, user: 'ann@corp.example', perm: 'db' }));
    await writeFiles(dir, { 'logs/1.jsonl': jsonl(uses(9)) });
    await ingest(ctx, '2026-03-10');
    await writeFiles(dir, { 'logs/2.jsonl': jsonl([...uses(12), ...uses(12)]) });
    await ingest(ctx, '2026-03-10');
    const day = (d: number) => `usage_daily/system=app/day=2026-03-0${d}/`;
    const columns = async (prefix: string) => {
      const [first] = await ctx.lake.list(prefix);
      const [file] = await ctx.lake.localPaths([first!.key]);
      return ctx.db.all(`SELECT name, type FROM parquet_schema($f) ORDER BY name`, { f: file! });
    };
    // Each day's rows, read from that day's files alone.
    const rows = async () => {
      const out = [];
      for (const d of [1, 2, 3]) {
        const files = await ctx.lake.localPaths((await ctx.lake.list(day(d))).map((o) => o.key));
        out.push(await ctx.db.all('SELECT * FROM read_parquet($files, hive_partitioning = false) ORDER BY ALL', { files }));
      }
      return out;
    };
    const before = { rows: await rows(), columns: await columns(day(1)) };
    for (const d of [1, 2, 3]) expect((await ctx.lake.list(day(d))).length).toBe(2);
    const report = await compact(ctx);
    expect(report.partitions).toBe(4); // three days with two shards each, and the ledger
    for (const d of [1, 2, 3]) expect((await ctx.lake.list(day(d))).length).toBe(1);
    expect(await rows()).toEqual(before.rows);
    expect(await columns(day(2))).toEqual(before.columns);
    ctx.close();
  });

  test('a partition the engine writes as several files keeps every one of them', async () => {
    // DuckDB writes a partition as several files when more than 100 partitions are open at once (the
    // 2,000-person backfill's 183): here the first partition's file is split in two after the COPY.
    const { dir, ctx } = await oneUse();
    const uses = (hour: number) => [1, 2].map((d) => ({ ts: `2026-03-0${d}T${hour}:00:00Z`, user: 'ann@corp.example', perm: `db${hour}` }));
    for (const hour of [9, 10, 11]) {
      await writeFiles(dir, { [`logs/${hour}.jsonl`]: jsonl(uses(hour)) });
      await ingest(ctx, '2026-03-10');
    }
    const rows = async () => ctx.db.all('SELECT * FROM read_parquet($files, hive_partitioning = false) ORDER BY ALL', {
      files: await ctx.lake.localPaths((await ctx.lake.list('usage_daily/')).map((o) => o.key)),
    });
    const before = await rows();
    const run = ctx.db.run.bind(ctx.db);
    ctx.db.run = async (sql, params) => {
      const changed = await run(sql, params);
      const out = /TO '([^']+)' \(FORMAT parquet, PARTITION_BY \(lapse_part\)\)/.exec(sql)?.[1];
      if (out) {
        const part = join(out, 'lapse_part=0');
        const file = (i: number) => join(part, `data_${i}.parquet`);
        await run('CREATE OR REPLACE TEMP TABLE split AS SELECT *, row_number() OVER () AS n FROM read_parquet($f, hive_partitioning = false)', { f: file(0) });
        // COPY's target takes no parameter: a quoted literal, as ingest writes its own.
        for (const i of [0, 1]) await run(`COPY (SELECT * EXCLUDE (n) FROM split WHERE n % 2 = ${i}) TO ${sqlString(file(i))} (FORMAT parquet)`);
      }
      return changed;
    };
    const report = await compact(ctx);
    expect(report.partitions).toBe(3); // two days, and the ledger
    expect(await rows()).toEqual(before);
    ctx.close();
  });

  test('usage rows of an object not in the ledger are invisible (a crashed batch)', async () => {
    const { ctx } = await oneUse();
    await ingest(ctx, '2026-03-10');
    await ctx.lake.remove((await ctx.lake.list('objects/')).map((o) => o.key));
    await loadAsOf(ctx, '2026-03-10');
    expect(await ctx.db.all('SELECT * FROM lapse_last_use')).toEqual([]);
    ctx.close();
  });

  test('a file compacted away by another worker between the listing and the read is read again', async () => {
    const { ctx } = await oneUse();
    await ingest(ctx, '2026-03-10');
    // The first listing of the ledger still names a shard that a compaction elsewhere has since removed.
    const list = ctx.lake.list.bind(ctx.lake);
    let stale = true;
    ctx.lake.list = async (prefix: string) => {
      const found = await list(prefix);
      if (!stale || prefix !== 'objects/') return found;
      stale = false;
      return [...found, { ...found[0]!, key: 'objects/system=app/compacted-away.parquet' }];
    };
    await loadAsOf(ctx, '2026-03-10');
    expect(await ctx.db.all('SELECT principal, last_used::VARCHAR AS l FROM lapse_last_use')).toEqual([{ principal: 'ann@corp.example', l: '2026-03-01' }]);
    ctx.close();
  });
});
