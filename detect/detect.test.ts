import { rename } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { loadAsOf } from '../aggregate/index.js';
import type { FindingsDocument } from '../core/model.js';
import { AS_OF, one, run, world } from '../test/world.js';
import type { StageContext } from '../core/context.js';
import { sqlString } from '../core/db.js';
import { layout } from '../core/layout.js';
import { columns, findings } from '../core/relations.js';
import { detect, explain } from './index.js';

/** Checked by `npm run typecheck`: detect and explain take loadAsOf's handle, never a bare day. */
export function detectNeedsTheLoadedTables(ctx: StageContext): void {
  // @ts-expect-error a day is not the loaded as-of relations
  void detect(ctx, AS_OF);
  // @ts-expect-error the same for explain
  void explain(ctx, AS_OF, 'ann');
}

describe('detect: one rule per row', () => {
  test.each([
    { name: 'used within TTL', uses: [{ day: '2026-06-01', who: 'ann@corp.example', perm: 'db' }], grant: { principal: 'ann@corp.example', permission: 'db' }, expect: undefined },
    { name: 'stale: last use beyond TTL', uses: [{ day: '2026-03-01', who: 'ann@corp.example', perm: 'db' }], grant: { principal: 'ann@corp.example', permission: 'db' }, expect: { kind: 'stale', last_used: '2026-03-01', days_unused: 121, excluded_by: null } },
    { name: 'exactly TTL days is not stale', uses: [{ day: '2026-04-01', who: 'ann@corp.example', perm: 'db' }], grant: { principal: 'ann@corp.example', permission: 'db' }, expect: undefined },
    { name: 'never used, granted long ago', uses: [], grant: { principal: 'ann@corp.example', permission: 'db', granted_at: '2025-01-01' }, expect: { kind: 'never_used', last_used: null, days_unused: 180 } },
    { name: 'never used, too new to judge, but nobody else holds it: an anomaly', uses: [], grant: { principal: 'ann@corp.example', permission: 'db', granted_at: '2026-06-01' }, expect: { kind: 'cold_start_anomaly', manager: 'boss@corp.example', baseline: { team_size: 3, team_holders: 1, team_users: 0, org_holders: 1 }, revocable_from: null } },
    { name: 'denied attempts are not use', uses: [{ day: '2026-06-20', who: 'ann@corp.example', perm: 'db', ok: false }], grant: { principal: 'ann@corp.example', permission: 'db', granted_at: '2025-01-01' }, expect: { kind: 'never_used' } },
    { name: 'periodic permission keeps its own TTL', uses: [{ day: '2026-03-31', who: 'ann@corp.example', perm: 'quarterly' }], grant: { principal: 'ann@corp.example', permission: 'quarterly' }, expect: undefined },
    { name: 'emergency-only is excluded', uses: [], grant: { principal: 'ann@corp.example', permission: 'breakglass', granted_at: '2025-01-01' }, expect: { kind: 'never_used', excluded_by: 'emergency_only', status: 'exempted' } },
    { name: 'protected principal is excluded', uses: [], grant: { principal: 'svc-backup', permission: 'db', granted_at: '2025-01-01' }, expect: { kind: 'never_used', excluded_by: 'protected_principal' } },
    { name: 'terminated person, even if used', uses: [{ day: '2026-06-29', who: 'cat@corp.example', perm: 'db' }], grant: { principal: 'cat@corp.example', permission: 'db' }, expect: { kind: 'terminated', excluded_by: null, manager: 'boss@corp.example' } },
    { name: 'alias resolves a native id to the person', uses: [{ day: '2026-06-01', who: 'ben@corp.example', perm: 'db' }], grant: { principal: 'benny', permission: 'db' }, expect: undefined },
  ])('$name', async (row) => {
    const ctx = await world({ uses: row.uses, grants: [row.grant] });
    const doc = await run(ctx);
    const f = one(doc, row.grant.principal, row.grant.permission);
    if (row.expect === undefined) expect(f).toBeUndefined();
    else expect(f).toMatchObject(row.expect);
  });
});

describe('detect: cold start against team and company baselines', () => {
  const held = (who: string[], perm: string, granted_at = '2025-01-01') => who.map((w) => ({ principal: `${w}@corp.example`, permission: perm, granted_at }));
  test.each([
    { name: 'the rest of the team holds it: normal', others: ['ben', 'cat', 'boss'], expectKind: undefined },
    { name: 'only you on the team: anomaly', others: [], expectKind: 'cold_start_anomaly' },
    { name: 'one person elsewhere holds it: in a small team the company rate keeps it normal', others: ['dan'], expectKind: undefined },
  ])('$name', async (row) => {
    const uses = row.others.map((o) => ({ day: '2026-06-20', who: `${o}@corp.example`, perm: 'wiki' }));
    const ctx = await world({ uses, grants: [...held(row.others, 'wiki'), { principal: 'ann@corp.example', permission: 'wiki', granted_at: '2026-06-15' }] });
    const f = one(await run(ctx), 'ann@corp.example', 'wiki');
    expect(f?.kind).toBe(row.expectKind);
    if (f) expect(f.score).toBeGreaterThanOrEqual(0.9);
  });

  test('a tiny team leans on the company rate (Bayesian prior)', async () => {
    // ops has one person (dan): his team says nothing, so the share is the company's: 2 of the 3
    // other active people hold it.
    const ctx = await world({ uses: [], grants: [...held(['ann', 'ben'], 'vpn'), { principal: 'dan@corp.example', permission: 'vpn', granted_at: '2026-06-15' }] });
    const [row] = await explain(ctx, await loadAsOf(ctx, AS_OF), 'dan');
    expect(row).toMatchObject({ verdict: 'ok', cold_start_score: expect.closeTo(1 - 2 / 3, 3) });
    expect(row!.reason).toMatch(/too new to judge/);
  });
});

describe('detect: guards', () => {
  test('a silent source produces no actionable findings, only a guard', async () => {
    const ctx = await world({
      uses: [{ day: '2026-02-01', who: 'ann@corp.example', perm: 'db' }],
      grants: [{ principal: 'ann@corp.example', permission: 'db' }],
      lastLogDay: '2026-06-20',
    });
    const doc = await run(ctx);
    expect(one(doc, 'ann@corp.example', 'db')).toMatchObject({ kind: 'stale', excluded_by: 'source_freshness' });
    expect(doc.guards).toEqual([expect.objectContaining({ system: 'app', guard: 'source_freshness', held: 1 })]);
  });

  test('a young system cannot call old grants never-used', async () => {
    const ctx = await world({
      uses: [],
      grants: [{ principal: 'ann@corp.example', permission: 'db', granted_at: '2024-01-01' }],
      firstLogDay: '2026-05-01',
    });
    const doc = await run(ctx);
    expect(one(doc, 'ann@corp.example', 'db')).toMatchObject({ kind: 'never_used', excluded_by: 'observation_window' });
    expect(doc.guards.map((g) => g.guard)).toEqual(['observation_window']);
  });

  test('blast radius holds a system whose share of revocations is too large', async () => {
    const grants = ['a', 'b', 'c'].map((p) => ({ principal: `ann@corp.example`, permission: `p-${p}`, granted_at: '2025-01-01' }));
    const ctx = await world({ uses: [], grants, extra: { guards: { max_revoke_fraction: 0.5, max_revoke_count: 500 } } });
    const doc = await run(ctx);
    expect(doc.guards).toEqual([expect.objectContaining({ system: 'app', guard: 'blast_radius', held: 3 })]);
  });
});

describe('detect: lifecycle and stability', () => {
  test('new → open → resolved → reappeared, with a stable id', async () => {
    // Used again for a week: eight use days push the long silence out of its rhythm (a single use after
    // it would be a rhythm of its own, detect/rhythm.test.ts).
    const week = ['01', '02', '03', '04', '05', '06', '07', '08'].map((d) => ({ day: `2026-07-${d}`, who: 'ann@corp.example', perm: 'db' }));
    const ctx = await world({ uses: [{ day: '2026-01-10', who: 'ann@corp.example', perm: 'db' }, ...week], grants: [{ principal: 'ann@corp.example', permission: 'db' }], lastLogDay: '2026-10-10', snapshotDay: '2026-06-01' });
    const first = await run(ctx, '2026-06-01');
    const second = await run(ctx, '2026-06-02');
    const third = await run(ctx, '2026-07-09');
    const fourth = await run(ctx, '2026-10-10');
    const f = (d: FindingsDocument) => one(d, 'ann@corp.example', 'db');
    expect([f(first)?.status, f(second)?.status, f(third)?.status, f(fourth)?.status]).toEqual(['new', 'open', 'resolved', 'reappeared']);
    expect(new Set([f(first)?.finding_id, f(second)?.finding_id, f(fourth)?.finding_id]).size).toBe(1);
    // A run after another stores just the findings' columns (the previous file's partition is not one).
    const [file] = await ctx.lake.localPaths([layout.findingsOf('2026-10-10')]);
    const stored = await ctx.db.all<{ column_name: string }>(
      `DESCRIBE SELECT * FROM read_parquet(${sqlString(file!)}, hive_partitioning = false)`,
    );
    expect(stored.map((c) => c.column_name).sort()).toEqual(columns(findings).map(([name]) => name).sort());
  });

  test('a previous findings file of an older run (no label column; its as_of stored as one) carries forward', async () => {
    const grant = { principal: 'ann@corp.example', permission: 'db', granted_at: '2025-01-01' };
    const ctx = await world({ uses: [], grants: [grant], snapshotDay: '2026-06-01' });
    const before = one(await run(ctx, '2026-06-29'), 'ann@corp.example', 'db');
    const [path] = await ctx.lake.localPaths([layout.findingsOf('2026-06-29')]);
    const older = `${path}.old`;
    await ctx.db.run(
      `COPY (SELECT * EXCLUDE (label), DATE '2026-06-29' AS as_of FROM read_parquet(${sqlString(path!)}, hive_partitioning = false))
       TO ${sqlString(older)} (FORMAT parquet)`,
    );
    await rename(older, path!);
    const after = one(await run(ctx, AS_OF), 'ann@corp.example', 'db');
    expect(after).toMatchObject({ status: 'open', finding_id: before?.finding_id, first_flagged: '2026-06-29' });
    const [stored] = await ctx.lake.localPaths([layout.findingsOf(AS_OF)]);
    const names = await ctx.db.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet(${sqlString(stored!)}, hive_partitioning = false)`);
    expect(names.map((c) => c.column_name).sort()).toEqual(columns(findings).map(([name]) => name).sort());
  });

  test('the same inputs give the same document and run id', async () => {
    const ctx = await world({ uses: [], grants: [{ principal: 'ann@corp.example', permission: 'db', granted_at: '2025-01-01' }] });
    const a = await run(ctx);
    const b = await run(ctx);
    expect(b).toEqual(a);
  });
});

describe('detect reads one grants snapshot all run long', () => {
  test('a snapshot an ingest rewrites under the run is not read half old, half new', async () => {
    const ctx = await world({ uses: [], grants: [{ principal: 'ann@corp.example', permission: 'db', granted_at: '2025-01-01' }] });
    const tables = await loadAsOf(ctx, AS_OF);
    // After the load, today's snapshot is written again under its key (renamed over), without ann's grant.
    const [path] = await ctx.lake.localPaths([layout.grantsSnapshot('app', AS_OF)]);
    const rewritten = `${path}.new`;
    await ctx.db.run(`COPY (SELECT * FROM read_parquet(${sqlString(path!)}) WHERE false) TO ${sqlString(rewritten)} (FORMAT parquet)`);
    await rename(rewritten, path!);
    const doc = await (await detect(ctx, tables)).load();
    expect(one(doc, 'ann@corp.example', 'db')?.kind).toBe('never_used');
  });
});

describe('explain', () => {
  test('says why each grant of a person is or is not flagged', async () => {
    const ctx = await world({
      uses: [{ day: '2026-03-01', who: 'ann@corp.example', perm: 'db' }, { day: '2026-06-28', who: 'ann@corp.example', perm: 'wiki' }],
      grants: [
        { principal: 'ann@corp.example', permission: 'db' },
        { principal: 'ann@corp.example', permission: 'wiki' },
        { principal: 'ann@corp.example', permission: 'breakglass', granted_at: '2025-01-01' },
      ],
    });
    const lines = await explain(ctx, await loadAsOf(ctx, AS_OF), 'ann');
    expect(lines.map((l) => [l.permission, l.verdict])).toEqual([['breakglass', 'excluded'], ['db', 'flagged'], ['wiki', 'ok']]);
    expect(lines[1]!.reason).toBe('stale: last used 2026-03-01, 121 days ago; TTL 90 days');
    expect(lines[0]!.reason).toMatch(/emergency-only/);
  });
});
