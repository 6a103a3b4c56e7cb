import { expect, test } from 'vitest';
import { loadAsOf, loadHistory } from '../../aggregate/index.js';
import { addDays } from '../../core/days.js';
import { addExemption } from '../../core/exemptions.js';
import { AS_OF, one, run, world } from '../../test/world.js';
import { appSystem } from '../../test/helpers.js';
import { explain } from '../index.js';
import { backtest } from '../backtest.js';
import { suggestTtl } from '../suggest.js';
import { resolveIdentities } from '../resolve.js';
import { loadRules } from './config.js';
import { grantRules } from './match.js';

/**
 * Which permission rule governs each grant: exact names and globs, team-scoped and unscoped, the most
 * specific match winning (exact, then team-scoped, then most literal characters, then first listed).
 * The small world's people: ann, ben (eng, ben also as the alias `benny`), dan (ops); `svc-x` resolves
 * to nobody.
 */
const RULES = {
  'db-admin': { ttl_days: 30 },
  'db-*': { ttl_days: 60 },
  'repo/*': { ttl_days: 100 },
  'repo/**': { ttl_days: 20, teams: ['ops'] },
  's3/logs-*': { ttl_days: 70 },
  's3/*': { ttl_days: 40, teams: ['ops'] },
  'aws/*': { ttl_days: 50 },
  '*/BreakGlass*': { emergency_only: true, description: 'break-glass: incidents only' },
  'tie-a*': { ttl_days: 11 },
  'tie-*a': { ttl_days: 12 },
  'ci-deploy': { ttl_days: 10 },
  'ci-*': { ttl_days: 15, teams: ['eng'] },
  'nothing-*': { ttl_days: 5 },
};

const grant = (principal: string, permission: string, granted_at = '2025-01-01') => ({ principal, permission, granted_at });

/** [holder, permission, the rule expected to win (null: none matches)], each a boundary. */
const CASES: [string, string, string | null][] = [
  ['ann@corp.example', 'db-admin', 'db-admin'], // exact beats a glob that also matches
  ['ann@corp.example', 'db-read', 'db-*'], // the glob when no exact name
  ['ann@corp.example', 'repo/web', 'repo/*'], // a team-scoped rule for a person outside the team: not applied
  ['dan@corp.example', 'repo/web', 'repo/**'], // team-scoped beats unscoped with as many literals
  ['svc-x', 'repo/web', 'repo/*'], // an unresolved principal has no team: only unscoped rules
  ['dan@corp.example', 's3/logs-1', 's3/*'], // team-scoped beats a more literal unscoped glob
  ['ann@corp.example', 's3/logs-1', 's3/logs-*'], // outside the team, the more literal glob
  ['ann@corp.example', 's3/other', null], // only a scoped rule of another team matches: none
  ['ann@corp.example', 'aws/BreakGlassAdmin', '*/BreakGlass*'], // two globs: the more literal one
  ['ann@corp.example', 'aws/ReadOnly', 'aws/*'],
  ['ann@corp.example', 'tie-aa', 'tie-a*'], // two globs, as many literals: the first listed
  ['benny', 'ci-deploy', 'ci-deploy'], // an unscoped exact name beats a team-scoped glob (ben is eng)
  ['benny', 'ci-build', 'ci-*'], // an alias resolves to ben, in eng: the scoped glob applies
  ['svc-x', 'ci-build', null], // unresolved with only a team-scoped rule: none
  ['ann@corp.example', 'wiki', null],
];

test('each grant gets the most specific matching rule (and a glob that matches nothing, none)', async () => {
  const ctx = await world({
    uses: [],
    grants: CASES.map(([who, perm]) => grant(who, perm)),
    extra: { systems: { app: appSystem({ permissions: RULES }) } },
  });
  await loadAsOf(ctx, AS_OF);
  await loadRules(ctx, AS_OF);
  await resolveIdentities(ctx);
  await grantRules(ctx.db);
  const rows = await ctx.db.all<{ principal: string; permission: string; rule: string }>(
    'SELECT principal, permission, rule FROM lapse_grant_rules',
  );
  const got = CASES.map(([who, perm]) => [who, perm, rows.find((r) => r.principal === who && r.permission === perm)?.rule ?? null]);
  expect(got).toEqual(CASES);
  expect(rows.some((r) => r.rule === 'nothing-*')).toBe(false);
  expect(rows).toHaveLength(CASES.filter((c) => c[2] !== null).length);
});

test("the winning rule's TTL and flags judge the grant, per holder's team", async () => {
  const used = (who: string, perm: string) => ({ day: '2026-05-01', who, perm }); // 60 days before the as-of day
  const ctx = await world({
    uses: [used('ann@corp.example', 'repo/web'), used('dan@corp.example', 'repo/web')],
    grants: [grant('ann@corp.example', 'repo/web'), grant('dan@corp.example', 'repo/web'), grant('ann@corp.example', 'aws/BreakGlassAdmin')],
    extra: { systems: { app: appSystem({ permissions: RULES }) } },
  });
  const doc = await run(ctx);
  expect(one(doc, 'ann@corp.example', 'repo/web')).toBeUndefined(); // repo/*: 100 days
  expect(one(doc, 'dan@corp.example', 'repo/web')).toMatchObject({ kind: 'stale', days_unused: 60 }); // repo/** for ops: 20 days
  expect(one(doc, 'ann@corp.example', 'aws/BreakGlassAdmin')).toMatchObject({ kind: 'never_used', excluded_by: 'emergency_only' });
  const explained = await explain(ctx, await loadAsOf(ctx, AS_OF), 'dan');
  expect(explained.find((e) => e.permission === 'repo/web')).toMatchObject({ rule: 'repo/**', ttl_days: 20 });
  expect(explained.find((e) => e.permission === 'repo/web')!.reason).toMatch(/TTL 20 days \(set by its permission rule\).*; matched rule "repo\/\*\*"$/);
  const ann = await explain(ctx, await loadAsOf(ctx, AS_OF), 'ann');
  expect(ann.find((e) => e.permission === 'aws/BreakGlassAdmin')!.reason).toMatch(
    /matched rule "\*\/BreakGlass\*"; permission rule: break-glass: incidents only/,
  );
});

test('a team exemption with a glob holds its members\' matching grants; explain names one that has expired', async () => {
  const ctx = await world({
    uses: [],
    grants: [grant('ann@corp.example', 'repo/web'), grant('benny', 'repo/api'), grant('dan@corp.example', 'repo/web'), grant('ann@corp.example', 'db-read')],
  });
  const base = { system: 'app', principal: null, person: null, team: 'eng', owner: 'boss', reason: 'audit', created_by: 'boss', source: 'test' };
  await addExemption(ctx.lake, { ...base, permission: 'repo/*', until: '2026-07-31' }, new Date('2026-06-01T09:00:00Z'));
  const expired = await addExemption(ctx.lake, { ...base, permission: 'db-?ead', until: '2026-06-10' }, new Date('2026-06-01T09:00:00Z'));
  const doc = await run(ctx);
  expect(one(doc, 'ann@corp.example', 'repo/web')?.excluded_by).toBe('exemption');
  expect(one(doc, 'benny', 'repo/api')?.excluded_by).toBe('exemption'); // ben's alias: a member by person
  expect(one(doc, 'dan@corp.example', 'repo/web')?.excluded_by).toBeNull(); // ops
  expect(one(doc, 'ann@corp.example', 'db-read')?.excluded_by).toBeNull();
  const ann = await explain(ctx, await loadAsOf(ctx, AS_OF), 'ann');
  expect(ann.find((e) => e.permission === 'db-read')!.exemptions_not_applied).toEqual([
    `exemption ${expired.exemption_id} does not apply: expired after its last day, 2026-06-10`,
  ]);
});

test('suggest-ttl and backtest read the rule each team gets', async () => {
  // ann (eng) and dan (ops) use repo/web every 10 days; ops's rule (TTL 5) is shorter than those gaps.
  const days = Array.from({ length: 18 }, (_, i) => addDays('2026-01-05', 10 * i));
  const ctx = await world({
    uses: days.flatMap((day) => [{ day, who: 'ann@corp.example', perm: 'repo/web' }, { day, who: 'dan@corp.example', perm: 'repo/web' }]),
    grants: [grant('ann@corp.example', 'repo/web'), grant('dan@corp.example', 'repo/web')],
    extra: { systems: { app: appSystem({ permissions: { 'repo/*': { ttl_days: 100 }, 'repo/**': { ttl_days: 5, teams: ['ops'] } } }) } },
  });
  await loadHistory(ctx, AS_OF);
  const suggestions = await suggestTtl(ctx, AS_OF);
  const of = (team: string | null) => suggestions.find((s) => s.permission === 'repo/web' && s.team === team);
  expect([of('eng')?.configured_ttl_days, of('ops')?.configured_ttl_days, of(null)?.configured_ttl_days]).toEqual([100, 5, 100]);
  const [configured] = await backtest(ctx, AS_OF, ['configured']);
  // Only dan's 17 ten-day gaps exceed his TTL; ann's fit hers.
  expect(configured).toMatchObject({ regrets: 17 });
});
