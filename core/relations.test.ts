import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { loadActionUses, loadHistory } from '../aggregate/index.js';
import { usageView, view } from '../aggregate/views.js';
import { detect } from '../detect/index.js';
import { layout } from './layout.js';
import { appSystem } from '../test/helpers.js';
import { AS_OF, world } from '../test/world.js';
import { RELATIONS, columns, ddl, emptyRelation, selectList, sqlTypeOf, type Relation } from './relations.js';
import { sqlType } from './sqltypes.js';

/** What DuckDB says a relation's columns are, in order. */
async function described(ctx: Awaited<ReturnType<typeof world>>, relation: string): Promise<[string, string][]> {
  const rows = await ctx.db.all<{ column_name: string; column_type: string }>(`DESCRIBE ${relation}`);
  return rows.map((r) => [r.column_name, r.column_type.replace(/"/g, '').replace('TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ')]);
}

const sorted = (cols: [string, string][]) => [...cols].sort(([a], [b]) => (a < b ? -1 : 1));

describe('relations: every producer makes what the registry says', () => {
  const lakeFolder: Record<string, string> = {
    usage: layout.usage, actions: layout.actions, objects: layout.objects, grants: layout.grants, directory: layout.directory,
  };

  test('each relation the stages produce has exactly its registered columns and types', async () => {
    // The app system keeps actions too (its action: the permission's name), so actions_daily/ has files.
    const mapping = { time: 'ts', principal: 'user', permission: 'perm', action: 'perm', outcome: { field: 'result', success: ['ok'] } };
    const ctx = await world({
      uses: [{ day: '2026-03-01', who: 'ann@corp.example', perm: 'db' }],
      grants: [{ principal: 'ann@corp.example', permission: 'db' }, { principal: 'ann@corp.example', permission: 'wiki', granted_at: '2026-06-20' }],
      extra: { systems: { app: appSystem({ actions: true, mapping }) } },
    });
    const tables = await loadHistory(ctx, AS_OF);
    await detect(ctx, tables);
    await usageView(ctx);
    expect(await loadActionUses(ctx, { from: '2026-01-01', to: AS_OF })).toEqual([{ system: 'app', first_day: '2026-01-01', last_day: AS_OF }]);
    expect(await lakeKeys(ctx, layout.actions)).not.toEqual([]);
    const bad: string[] = [];
    for (const r of RELATIONS) {
      const name = r.name in lakeFolder ? `lake_${r.name}` : r.name;
      if (r.name in lakeFolder) await view(ctx, name, await lakeKeys(ctx, lakeFolder[r.name]!), r);
      // Stored files gain Hive partition columns in another order; the engine's own relations keep the registry's.
      const got = await described(ctx, name);
      const want = columns(r);
      const same = r.name in lakeFolder || r.name === 'lapse_findings' ? sorted(got) : got;
      const expected = r.name in lakeFolder || r.name === 'lapse_findings' ? sorted(want) : want;
      if (JSON.stringify(same) !== JSON.stringify(expected)) bad.push(`${r.name}: engine has ${JSON.stringify(got)}, registry says ${JSON.stringify(want)}`);
    }
    expect(bad).toEqual([]);
  });

  test('an empty relation has the same columns as its DDL', async () => {
    const ctx = await world({ uses: [], grants: [] });
    for (const r of RELATIONS) {
      await ctx.db.run(`CREATE OR REPLACE TEMP TABLE t_ddl (${ddl(r)})`);
      await ctx.db.run(`CREATE OR REPLACE TEMP VIEW t_empty AS ${emptyRelation(r)}`);
      expect(await described(ctx, 't_empty'), r.name).toEqual(await described(ctx, 't_ddl'));
      expect(await ctx.db.all(`SELECT ${selectList(r)} FROM t_empty`)).toEqual([]);
    }
  });

  test('each relation reads only relations produced by its own or an earlier stage', () => {
    const order = ['ingest', 'aggregate', 'detect'];
    const stageOf = new Map(RELATIONS.map((r) => [r.name, r.stage]));
    const bad = RELATIONS.flatMap((r) =>
      r.reads
        .filter((x) => x !== 'events') // the connectors' events, before any stage
        .filter((x) => !stageOf.has(x) || order.indexOf(stageOf.get(x)!) > order.indexOf(r.stage))
        .map((x) => `${r.name} reads ${x}`),
    );
    expect(bad).toEqual([]);
  });
});

describe('relations: DuckDB types derive from the zod schema', () => {
  test.each([
    { schema: z.string(), type: 'VARCHAR' },
    { schema: z.enum(['a', 'b']).nullable(), type: 'VARCHAR' },
    { schema: z.number(), type: 'DOUBLE' },
    { schema: sqlType(z.number(), 'INTEGER').nullable(), type: 'INTEGER' },
    { schema: z.boolean(), type: 'BOOLEAN' },
    { schema: z.array(z.object({ a: z.string(), b: z.number() })), type: 'STRUCT(a VARCHAR, b DOUBLE)[]' },
  ])('$type', ({ schema, type }) => {
    expect(sqlTypeOf(schema, 'x')).toBe(type);
  });

  test('a schema with no DuckDB equivalent is refused, naming the column', () => {
    const r: Relation = { name: 't', stage: 'detect', reads: [], doc: '', schema: z.object({ when: z.date() }) };
    expect(() => columns(r)).toThrow(/t\.when: no DuckDB type for a zod date/);
  });
});

async function lakeKeys(ctx: Awaited<ReturnType<typeof world>>, prefix: string): Promise<string[]> {
  return (await ctx.lake.list(prefix)).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
}
