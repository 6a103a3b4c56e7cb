import { describe, expect, test } from 'vitest';
import { loadAsOf } from '../aggregate/index.js';
import { AS_OF, one, run, world, type Use } from '../test/world.js';
import { explain } from './index.js';

/** Detection that knows the people around a grant (issue 12): each rule at its boundaries. */

const ann = 'ann@corp.example';
const use = (day: string, perm: string, who = ann): Use => ({ day, who, perm });
const held = (who: string[], permission: string, granted_at = '2025-01-01') =>
  who.map((w) => ({ principal: `${w}@corp.example`, permission, granted_at }));

describe('cold start: every new grant, used or not', () => {
  test.each([
    { name: 'a new grant nobody else holds, used: an anomaly for the manager', others: [], granted: '2026-06-10', uses: ['2026-06-20'], kind: 'cold_start_anomaly' },
    { name: 'the same, unused: an anomaly too', others: [], granted: '2026-06-10', uses: [], kind: 'cold_start_anomaly' },
    { name: 'a new grant the team holds, used: normal', others: ['ben', 'boss'], granted: '2026-06-10', uses: ['2026-06-20'], kind: undefined },
    { name: 'an old grant nobody else holds, used: not cold start', others: [], granted: '2025-01-01', uses: ['2026-06-20'], kind: undefined },
    { name: 'granted exactly a TTL ago is old', others: [], granted: '2026-04-01', uses: ['2026-06-20'], kind: undefined },
    { name: 'granted a day later is new', others: [], granted: '2026-04-02', uses: ['2026-06-20'], kind: 'cold_start_anomaly' },
  ])('$name', async ({ others, granted, uses, kind }) => {
    const ctx = await world({
      uses: uses.map((d) => use(d, 'prod-db')),
      grants: [...held(others, 'prod-db'), { principal: ann, permission: 'prod-db', granted_at: granted }],
    });
    const f = one(await run(ctx), ann, 'prod-db');
    expect(f?.kind).toBe(kind);
    if (f) {
      expect(f).toMatchObject({ revocable_from: null, confidence: 'medium', last_used: uses.at(-1) ?? null });
      expect(f.confidence_reason).toMatch(/^0 of the 2 others on team eng hold it \(0 used it within the TTL\), 0 in the company: score 1\.0 reaches 0\.9; the manager decides$/);
    }
  });
});

describe('cold start on a system observed for less than the TTL', () => {
  test.each([
    { name: 'a used grant known to be old is judged by its use', granted: '2025-01-01', kind: undefined },
    { name: 'a used grant of unknown age is judged by its peers', granted: undefined, kind: 'cold_start_anomaly' },
  ])('$name', async ({ granted, kind }) => {
    const ctx = await world({
      firstLogDay: '2026-06-01', uses: [use('2026-06-20', 'prod-db')],
      grants: [{ principal: ann, permission: 'prod-db', ...(granted && { granted_at: granted }) }],
    });
    expect(one(await run(ctx), ann, 'prod-db')?.kind).toBe(kind);
  });
});

describe('unobserved permission: nobody uses it, the logs are healthy', () => {
  test.each([
    { name: 'five holders, no use: held, confidence low', holders: ['boss', 'ann', 'ben', 'dan', 'eve'], excluded: 'unobserved_permission', confidence: 'low', revocable: null },
    { name: 'four holders, no use: never used, medium, waits for a decision', holders: ['boss', 'ann', 'ben', 'dan'], excluded: null, confidence: 'medium', revocable: null },
    { name: 'the same, lists taking medium: revocable', holders: ['boss', 'ann', 'ben', 'dan'], excluded: null, confidence: 'medium', revocable: AS_OF, min: 'medium' },
  ])('$name', async ({ holders, excluded, confidence, revocable, min }) => {
    const ctx = await world({
      uses: [], grants: held(holders, 'vpn'), people: ['eve,eve@corp.example,ops,boss,active,,,'],
      extra: min ? { revocations: { target: 'lists', min_confidence: min } } : {},
    });
    const doc = await run(ctx);
    const f = one(doc, ann, 'vpn');
    expect(f).toMatchObject({ kind: 'never_used', excluded_by: excluded, confidence, revocable_from: revocable ?? null });
    if (excluded) expect(doc.guards).toContainEqual(expect.objectContaining({ system: 'app', guard: 'unobserved_permission', held: holders.length }));
  });

  test('a never-used grant of a permission others use in the logs: high', async () => {
    const ctx = await world({ uses: [use('2026-06-01', 'vpn', 'ben@corp.example')], grants: held(['ann', 'ben'], 'vpn') });
    expect(one(await run(ctx), ann, 'vpn')).toMatchObject({ kind: 'never_used', confidence: 'high', revocable_from: AS_OF });
  });

  test('one use by any holder makes the others plain never-used', async () => {
    const ctx = await world({ uses: [use('2026-06-01', 'vpn', 'ben@corp.example')], grants: held(['boss', 'ann', 'ben', 'dan', 'eve'], 'vpn'), people: ['eve,eve@corp.example,ops,boss,active,,,'] });
    expect(one(await run(ctx), ann, 'vpn')).toMatchObject({ kind: 'never_used', excluded_by: null });
  });
});

describe('leave: the TTL clock pauses, nothing is revoked while away', () => {
  const leaveFile = (from: string, to: string) => ({ 'leave.csv': `person,from,to\nann@corp.example,${from},${to}\n` });
  const extra = { directory: { path: 'people.csv', leave: 'leave.csv' } };
  test.each([
    // Last use 2026-03-01: 121 days before the as-of day, TTL 90.
    { name: 'no leave: stale', files: leaveFile('2025-01-01', '2025-01-02'), kind: 'stale', days: 121 },
    { name: '31 days of leave since the last use: 90 days, not stale', files: leaveFile('2026-03-02', '2026-04-01'), kind: undefined, days: null },
    { name: '30 days of leave: 91 days, stale', files: leaveFile('2026-03-02', '2026-03-31'), kind: 'stale', days: 91 },
    { name: 'leave before the last use does not count', files: leaveFile('2026-01-10', '2026-02-20'), kind: 'stale', days: 121 },
  ])('$name', async ({ files, kind, days }) => {
    const ctx = await world({ uses: [use('2026-03-01', 'db')], grants: [{ principal: ann, permission: 'db' }], files, extra });
    const f = one(await run(ctx), ann, 'db');
    expect(f?.kind).toBe(kind);
    if (f) expect(f).toMatchObject({ days_unused: days, excluded_by: null, leave_days: 121 - days! });
  });

  test('on leave now (open-ended leave file): held by on_leave, never revocable; explain shows the pause', async () => {
    const ctx = await world({ uses: [use('2026-01-10', 'db')], grants: [{ principal: ann, permission: 'db' }], files: leaveFile('2026-05-01', ''), extra });
    const f = one(await run(ctx), ann, 'db');
    expect(f).toMatchObject({ kind: 'stale', excluded_by: 'on_leave', status: 'exempted', revocable_from: null, leave_days: 61 });
    const rows = await explain(ctx, await loadAsOf(ctx, AS_OF), 'ann');
    expect(rows.find((r) => r.permission === 'db')!.reason).toMatch(/on leave/);
  });

  test('status leave in the directory holds a leaver-to-be: until leave_until', async () => {
    for (const [until, excluded] of [['2026-12-31', 'on_leave'], ['2026-06-29', null]] as const) {
      const ctx = await world({
        uses: [use('2026-01-10', 'db', 'fay@corp.example')],
        grants: [{ principal: 'fay@corp.example', permission: 'db' }],
        people: [`fay,fay@corp.example,eng,boss,leave,,,${until}`],
      });
      expect(one(await run(ctx), 'fay@corp.example', 'db'), until).toMatchObject({ kind: 'stale', excluded_by: excluded });
    }
  });

  test('a bad leave file is refused, naming the file and line', async () => {
    await expect(world({ uses: [], grants: [], files: leaveFile('2026-13-01', ''), extra }).then(run)).rejects.toThrow(/directory\.leave: .*leave\.csv line 2: from is not a day/);
  });
});

describe('on-call: kept while in the rotation, the clock runs from the last shift', () => {
  const shifts = (from: string, to: string) => ({ 'oncall.csv': `person,from,to\nann,${from},${to}\n` });
  const extra = { directory: { path: 'people.csv', on_call: ['oncall.csv'] } };
  test.each([
    // Last use 2026-01-05 (176 days ago); TTL 90.
    { name: 'in the rotation (a shift to come): kept', files: shifts('2026-07-01', '2026-07-07'), rule: true, kind: undefined },
    { name: 'last shift ended 60 days ago: kept', files: shifts('2026-04-20', '2026-05-01'), rule: true, kind: undefined },
    { name: 'last shift ended 91 days ago: stale', files: shifts('2026-03-20', '2026-03-31'), rule: true, kind: 'stale' },
    { name: 'without on_call: true the shifts do not count', files: shifts('2026-07-01', '2026-07-07'), rule: false, kind: 'stale' },
  ])('$name', async ({ files, rule, kind }) => {
    const ctx = await world({
      uses: [use('2026-01-05', 'pager')], grants: [{ principal: ann, permission: 'pager' }], files, extra,
      permissions: rule ? { pager: { on_call: true } } : {},
    });
    expect(one(await run(ctx), ann, 'pager')?.kind).toBe(kind);
  });

  test.each([
    {
      name: 'PagerDuty schedule (final_schedule)',
      file: { schedule: { final_schedule: { rendered_schedule_entries: [{ start: '2026-07-01T09:00:00Z', end: '2026-07-08T09:00:00Z', user: { id: 'P1', summary: 'Ann', email: ann } }] } } },
    },
    { name: 'PagerDuty on-calls', file: { oncalls: [{ start: '2026-06-29T09:00:00Z', end: '2026-07-06T09:00:00Z', user: { id: 'P1', summary: 'Ann', email: ann } }] } },
    {
      name: 'Opsgenie timeline',
      file: { data: { finalTimeline: { rotations: [{ periods: [{ startDate: '2026-07-01T09:00:00Z', endDate: '2026-07-08T09:00:00Z', recipient: { type: 'user', name: ann } }] }] } } },
    },
  ])('$name keeps the grant of a person in the rotation', async ({ file }) => {
    const ctx = await world({
      uses: [use('2026-01-05', 'pager')], grants: [{ principal: ann, permission: 'pager' }],
      files: { 'schedule.json': JSON.stringify(file) }, extra: { directory: { path: 'people.csv', on_call: ['schedule.json'] } },
      permissions: { pager: { on_call: true } },
    });
    expect(one(await run(ctx), ann, 'pager')).toBeUndefined();
  });
});

describe('team moves: grants typical of the old team, unusual in the new', () => {
  // dan was in eng until the move, now in ops. eng (boss, ann, ben) holds eng-repo.
  const history = (movedOn: string) => ({
    'history/2026-01-01.csv': 'id,email,team,manager,status\nboss,boss@corp.example,eng,,active\nann,ann@corp.example,eng,boss,active\nben,ben@corp.example,eng,boss,active\ndan,dan@corp.example,eng,boss,active\n',
    [`history/${movedOn}.csv`]: 'id,email,team,manager,status\nboss,boss@corp.example,eng,,active\nann,ann@corp.example,eng,boss,active\nben,ben@corp.example,eng,boss,active\ndan,dan@corp.example,ops,boss,active\n',
  });
  const extra = { directory: { path: 'people.csv', history: 'history' } };
  const grants = (more: object[] = []) => [...held(['boss', 'ann', 'ben', 'dan'], 'eng-repo'), ...more];
  test.each([
    { name: 'moved 30 days ago: a team move for the new manager', movedOn: '2026-05-31', more: [], kind: 'team_move' },
    { name: 'moved 29 days ago: within the grace period', movedOn: '2026-06-01', more: [], kind: undefined },
    { name: 'the new team holds it too: untouched', movedOn: '2026-05-01', more: held(['eve'], 'eng-repo'), kind: undefined },
  ])('$name', async ({ movedOn, more, kind }) => {
    const ctx = await world({
      uses: [use('2026-06-20', 'eng-repo', 'dan@corp.example')], grants: grants(more), files: history(movedOn), extra,
      people: ['eve,eve@corp.example,ops,boss,active,,,'],
    });
    const f = one(await run(ctx), 'dan@corp.example', 'eng-repo');
    expect(f?.kind).toBe(kind);
    if (f) {
      expect(f).toMatchObject({
        manager: 'boss@corp.example', revocable_from: null, confidence: 'medium',
        move: { from_team: 'eng', moved_on: movedOn, old_team_share: 1, new_team_share: 0 },
      });
      expect(f.confidence_reason).toBe(`moved from team eng on ${movedOn}: 100% of that team hold it, 0% of the new team; the new manager decides`);
    }
  });

  test("a grant given after the move is the new team's business", async () => {
    const ctx = await world({
      uses: [use('2026-06-20', 'eng-repo', 'dan@corp.example')],
      grants: [...held(['boss', 'ann', 'ben'], 'eng-repo'), { principal: 'dan@corp.example', permission: 'eng-repo', granted_at: '2026-05-10' }],
      files: history('2026-05-01'), extra,
    });
    expect(one(await run(ctx), 'dan@corp.example', 'eng-repo')?.kind).not.toBe('team_move');
  });
});
