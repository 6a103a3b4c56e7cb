import { describe, expect, test } from 'vitest';
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
