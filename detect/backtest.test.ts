import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadHistory } from '../aggregate/index.js';
import { addDays } from '../core/days.js';
import { ingest } from '../ingest/index.js';
import { config, jsonl, stageContext, tempDir, writeFiles } from '../test/helpers.js';
import { backtest, type BacktestRow } from './backtest.js';
import { emptyRelation, grants } from '../core/relations.js';

const AS_OF = '2026-06-30';
const START = '2026-01-01';

const PEOPLE = [
  'id,email,team,manager,status,aliases',
  'boss,boss@corp.example,eng,,active,',
  'ann,ann@corp.example,eng,boss,active,',
  'ben,ben@corp.example,eng,boss,active,',
  'cal,cal@corp.example,eng,boss,active,',
  'dan,dan@corp.example,ops,boss,active,app:danny',
].join('\n');

const event = (day: string, user: string, perm: string, result = 'ok') => ({ ts: `${day}T09:30:00Z`, user, perm, result });

/**
 * Two systems. app (logs 2026-01-01 … 2026-06-30, a daily heartbeat keeps them fresh):
 * - ann db (granted 2026-01-05): used 01-10, 02-20 (also as ANN@…), 05-01, 06-25 → gaps 41, 70, 55; last use 5 days before the end;
 * - ben db (no granted_at): used 01-02, 01-20 → gap 18; unused for the last 161 days;
 * - cal app (granted 2025-06-01, never used): unused for 180 days, counted from the first log day, not from 2025;
 * - dan tool (granted 2026-01-01, via his alias danny): first use 04-15 (104 days after the grant), then 06-29 → gap 75;
 * - svc-x db: an unresolved principal, used 03-01 only, no longer held: unused for 121 days;
 * - ann breakglass (emergency-only) and svc-backup db (protected): never revoked, whatever their gaps;
 * - a denied attempt by ben on 06-01 (not a use).
 * vault (logs 2026-02-01 … 2026-05-01, then silent): ann secret used 02-01 and 05-01 → gap 89; nothing is
 * counted after the logs stop.
 */
async function world() {
  const dir = await tempDir();
  const app = [];
  for (let d = START; d <= AS_OF; d = addDays(d, 1)) app.push(event(d, 'boss@corp.example', 'heartbeat'));
  app.push(
    ...['2026-01-10', '2026-02-20', '2026-05-01'].map((d) => event(d, 'ann@corp.example', 'db')),
    // The same day under a second spelling of her id: one active day, no gap of 0.
    ...['2026-02-20', '2026-06-25'].map((d) => event(d, 'ANN@corp.example', 'db')),
    ...['2026-01-02', '2026-01-20'].map((d) => event(d, 'ben@corp.example', 'db')),
    event('2026-06-01', 'ben@corp.example', 'db', 'denied'),
    ...['2026-04-15', '2026-06-29'].map((d) => event(d, 'danny', 'tool')),
    event('2026-03-01', 'svc-x', 'db'),
    ...['2026-02-01', '2026-06-01'].map((d) => event(d, 'ann@corp.example', 'breakglass')),
    ...['2026-02-01', '2026-06-01'].map((d) => event(d, 'svc-backup', 'db')),
  );
  await writeFiles(dir, {
    'people.csv': PEOPLE,
    'app/logs.jsonl': jsonl(app),
    'app/grants.jsonl': jsonl([
      { principal: 'boss@corp.example', permission: 'heartbeat' },
      { principal: 'ann@corp.example', permission: 'db', granted_at: '2026-01-05' },
      { principal: 'ben@corp.example', permission: 'db' },
      { principal: 'cal@corp.example', permission: 'app', granted_at: '2025-06-01' },
      { principal: 'danny', permission: 'tool', granted_at: '2026-01-01' },
      { principal: 'ann@corp.example', permission: 'breakglass', granted_at: '2025-01-01' },
      { principal: 'svc-backup', permission: 'db', granted_at: '2025-01-01' },
    ]),
    'vault/logs.jsonl': jsonl(['2026-02-01', '2026-05-01'].map((d) => event(d, 'ann@corp.example', 'secret'))),
    'vault/grants.jsonl': jsonl([{ principal: 'ann@corp.example', permission: 'secret' }]),
  });
  const mapping = { time: 'ts', principal: 'user', permission: 'perm', outcome: { field: 'result', success: ['ok'] } };
  const cfg = config(dir, {
    directory: { path: 'people.csv' },
    defaults: { ttl_days: 90, max_source_lag_days: 2 },
    systems: {
      app: {
        connector: 'jsonl', logs: [{ path: 'app/logs.jsonl' }], grants: { path: 'app/grants.jsonl' }, mapping,
        permissions: { tool: { ttl_days: 120 }, breakglass: { emergency_only: true } },
      },
      vault: { connector: 'jsonl', logs: [{ path: 'vault/logs.jsonl' }], grants: { path: 'vault/grants.jsonl' }, mapping },
    },
    protected_principals: ['svc-backup'],
  });
  const ctx = await stageContext(cfg);
  await ingest(ctx, AS_OF);
  return ctx;
}

let ctx: Awaited<ReturnType<typeof world>>;
let rows: BacktestRow[];
beforeAll(async () => {
  ctx = await world();
  await loadHistory(ctx, AS_OF);
  rows = await backtest(ctx, AS_OF, [30, 60, 70, 90, 180, 'configured']);
});
afterAll(() => ctx?.close());

const pick = (ttl: BacktestRow['ttl'], system: string | null) => {
  const r = rows.find((x) => x.ttl === ttl && x.system === system);
  if (!r) throw new Error(`no row for ${ttl} ${system}`);
  const { ttl: _t, system: _s, ...counts } = r;
  return counts;
};

describe('backtest: regret counting per TTL', () => {
  // app has 6 replayed pairs (heartbeat, ann db, ben db, cal app, dan tool, svc-x db) and 2 excluded.
  test.each([
    {
      ttl: 30, system: 'app', why: 'ann 3 gaps + dan gap 75 + dan first use 104 days after the grant; ben, svc-x, cal not used again',
      want: { grants: 6, excluded: 2, revocations: 8, regrets: 5, not_used_again: 3, regret_rate: 0.625, grants_affected: 5, grants_regretted: 2, flagged_now: 2 },
    },
    {
      ttl: 60, system: 'app', why: 'ann gap 70, dan gap 75, dan first use',
      want: { revocations: 6, regrets: 3, not_used_again: 3, regret_rate: 0.5, grants_affected: 5, grants_regretted: 2 },
    },
    {
      ttl: 70, system: 'app', why: 'a gap of exactly the TTL is not a revocation: only dan',
      want: { revocations: 5, regrets: 2, not_used_again: 3, regret_rate: 0.4, grants_affected: 4, grants_regretted: 1 },
    },
    {
      ttl: 90, system: 'app', why: 'only dan\'s first use, 104 days after the grant',
      want: { revocations: 4, regrets: 1, not_used_again: 3, regret_rate: 0.25, grants_affected: 4, grants_regretted: 1, flagged_now: 2 },
    },
    {
      ttl: 180, system: 'app', why: 'cal\'s 180 days since the logs began is not more than 180',
      want: { revocations: 0, regrets: 0, not_used_again: 0, regret_rate: null, grants_affected: 0, flagged_now: 0 },
    },
    {
      ttl: 'configured' as const, system: 'app', why: 'default 90, tool 120: dan keeps his grant',
      want: { revocations: 3, regrets: 0, not_used_again: 3, regret_rate: 0, grants_affected: 3, flagged_now: 2 },
    },
    {
      ttl: 30, system: 'vault', why: 'the 89-day gap; no trailing silence: the logs stopped on the last use',
      want: { grants: 1, excluded: 0, revocations: 1, regrets: 1, not_used_again: 0, regret_rate: 1, grants_affected: 1, flagged_now: 0 },
    },
    {
      ttl: 90, system: 'vault', why: 'nothing',
      want: { revocations: 0, regrets: 0, regret_rate: null, grants_affected: 0 },
    },
    {
      ttl: 30, system: null, why: 'the sum over systems',
      want: { grants: 7, excluded: 2, revocations: 9, regrets: 6, not_used_again: 3, regret_rate: 0.6667, grants_affected: 6, grants_regretted: 3, flagged_now: 2 },
    },
    {
      ttl: 70, system: null, why: 'the sum over systems',
      want: { revocations: 6, regrets: 3, regret_rate: 0.5, grants_affected: 5, grants_regretted: 2 },
    },
  ])('ttl $ttl on $system: $why', ({ ttl, system, want }) => {
    expect(pick(ttl, system)).toMatchObject(want);
  });

  test('rows come per TTL in the order given, systems then the total', () => {
    expect(rows.map((r) => `${r.ttl}:${r.system ?? '*'}`)).toEqual(
      [30, 60, 70, 90, 180, 'configured'].flatMap((t) => [`${t}:app`, `${t}:vault`, `${t}:*`]),
    );
  });

  test.each([
    { ttls: [], message: 'backtest: no TTL to replay' },
    { ttls: [30, 0], message: 'backtest: TTL 0 is not a positive whole number of days' },
    { ttls: [2.5], message: 'backtest: TTL 2.5 is not' },
    { ttls: ['weekly'], message: 'backtest: TTL "weekly" is not' },
  ])('refuses TTLs $ttls', async ({ ttls, message }) => {
    await expect(backtest(ctx, AS_OF, ttls as never)).rejects.toThrow(message);
  });

  test('an empty lake still answers with a total per TTL', async () => {
    await ctx.db.run('DELETE FROM lapse_active_days');
    await ctx.db.run(`CREATE OR REPLACE TEMP VIEW lapse_grants AS ${emptyRelation(grants)}`);
    const empty = await backtest(ctx, AS_OF, [30, 30, 45]);
    expect(empty).toEqual([30, 45].map((ttl) => expect.objectContaining({ ttl, system: null, grants: 0, revocations: 0, regret_rate: null })));
  });
});
