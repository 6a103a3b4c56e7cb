import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadHistory } from '../aggregate/index.js';
import { addDays } from '../core/days.js';
import { ingest } from '../ingest/index.js';
import { appSystem, config, jsonl, stageContext, tempDir, writeFiles } from '../test/helpers.js';
import { decide, suggestTtl, type RhythmStats, type TtlSuggestion } from './suggest.js';

const AS_OF = '2026-06-30';
const START = '2025-07-01'; // the logs cover 364 days: 2025-07-01 … 2026-06-30

const PEOPLE = [
  'id,email,team,manager,status,aliases',
  'boss,boss@corp.example,mgmt,,active,',
  'ann,ann@corp.example,eng,boss,active,',
  'ben,ben@corp.example,eng,boss,active,app:benny',
  'cal,cal@corp.example,eng,boss,active,',
  'dee,dee@corp.example,eng,boss,active,',
  'eve,eve@corp.example,eng,boss,active,',
  'oli,oli@corp.example,ops,boss,active,',
  'fay,fay@corp.example,fin,boss,active,',
  'fio,fio@corp.example,fin,boss,active,',
  'fox,fox@corp.example,fin,boss,active,',
].join('\n');

interface Use { day: string; who: string; perm: string; ok?: boolean }

function everyDay(from: string, to: string, keep: (day: string, i: number) => boolean = () => true): string[] {
  const out: string[] = [];
  for (let d = from, i = 0; d <= to; d = addDays(d, 1), i++) if (keep(d, i)) out.push(d);
  return out;
}
const weekday = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay();
const uses = (who: string, perm: string, days: string[]): Use[] => days.map((day) => ({ day, who, perm }));

/**
 * One year of one `app` system, every rhythm at once (each test row reads one group):
 * - db: weekdays for ann, ben (half the days as the alias `benny`), cal (eng) and oli (ops, a team of one);
 * - wiki: Mondays for five eng people, one of whom skipped three Mondays (a 28-day gap);
 * - close: a three-day quarter close for fin (periodic), TTL 120 from its permission rule;
 * - report: three eng people, twice a year with uneven gaps (the longest 212 days: too long for 364 days of logs);
 * - deploy: daily by three service accounts no directory person matches;
 * - admin: held by dee since 2025, never used; breakglass: emergency-only, used a few times;
 * - a denied attempt on admin (not a use).
 */
async function world() {
  const dir = await tempDir();
  const weekdays = everyDay(START, AS_OF, (d) => weekday(d) >= 1 && weekday(d) <= 5);
  const mondays = everyDay(START, AS_OF, (d) => weekday(d) === 1);
  const quarterEnds = ['2025-09-28', '2025-09-29', '2025-09-30', '2025-12-29', '2025-12-30', '2025-12-31',
    '2026-03-29', '2026-03-30', '2026-03-31', '2026-06-28', '2026-06-29', '2026-06-30'];
  const all: Use[] = [
    ...uses('boss@corp.example', 'heartbeat', everyDay(START, AS_OF)),
    ...uses('ann@corp.example', 'db', weekdays),
    ...weekdays.map((day, i) => ({ day, who: i % 2 ? 'benny' : 'BEN@corp.example', perm: 'db' })),
    { day: weekdays[10]!, who: 'ben@corp.example', perm: 'db' }, // a second id the same day: not a gap of 0
    { day: weekdays[11]!, who: 'ben@corp.example', perm: 'db' },
    ...uses('cal@corp.example', 'db', weekdays),
    ...uses('oli@corp.example', 'db', weekdays),
    ...['ann', 'ben', 'cal', 'dee'].flatMap((p) => uses(`${p}@corp.example`, 'wiki', mondays)),
    ...uses('eve@corp.example', 'wiki', mondays.filter((d) => !['2026-01-05', '2026-01-12', '2026-01-19'].includes(d))),
    ...['fay', 'fio', 'fox'].flatMap((p) => uses(`${p}@corp.example`, 'close', quarterEnds)),
    ...uses('ann@corp.example', 'report', ['2025-08-01', '2026-03-01']),
    ...uses('ben@corp.example', 'report', ['2025-08-01', '2025-10-01']),
    ...uses('cal@corp.example', 'report', ['2025-09-01', '2026-02-28']),
    ...['svc-a', 'svc-b', 'svc-c'].flatMap((p) => uses(p, 'deploy', everyDay(START, AS_OF))),
    ...['ann', 'ben', 'cal'].flatMap((p) => uses(`${p}@corp.example`, 'breakglass', ['2025-08-01', '2025-11-01', '2026-04-01'])),
    { day: '2026-06-01', who: 'dee@corp.example', perm: 'admin', ok: false },
    { day: '2026-06-02', who: 'dee@corp.example', perm: 'admin', ok: false },
  ];
  const grants = [
    { principal: 'boss@corp.example', permission: 'heartbeat' },
    ...['ann@corp.example', 'benny', 'cal@corp.example', 'oli@corp.example'].map((principal) => ({ principal, permission: 'db' })),
    ...['ann', 'ben', 'cal', 'dee', 'eve'].map((p) => ({ principal: `${p}@corp.example`, permission: 'wiki' })),
    ...['fay', 'fio', 'fox'].map((p) => ({ principal: `${p}@corp.example`, permission: 'close' })),
    ...['ann', 'ben', 'cal'].map((p) => ({ principal: `${p}@corp.example`, permission: 'report' })),
    ...['ann', 'ben', 'cal'].map((p) => ({ principal: `${p}@corp.example`, permission: 'breakglass' })),
    { principal: 'SVC-A', permission: 'deploy' },
    { principal: 'svc-b', permission: 'deploy' },
    { principal: 'dee@corp.example', permission: 'admin', granted_at: '2025-01-01' },
  ];
  await writeFiles(dir, {
    'people.csv': PEOPLE,
    'logs/app.jsonl': jsonl(all.map((u) => ({ ts: `${u.day}T12:00:00Z`, user: u.who, perm: u.perm, result: u.ok === false ? 'denied' : 'ok' }))),
    'grants.jsonl': jsonl(grants),
  });
  const cfg = config(dir, {
    directory: { path: 'people.csv' },
    defaults: { ttl_days: 90, max_source_lag_days: 2 },
    systems: {
      app: appSystem({ ttl_days: 60, permissions: { close: { ttl_days: 120 }, breakglass: { emergency_only: true } } }),
    },
  });
  const ctx = await stageContext(cfg);
  await ingest(ctx, AS_OF);
  return ctx;
}

let ctx: Awaited<ReturnType<typeof world>>;
let rows: TtlSuggestion[];
beforeAll(async () => {
  ctx = await world();
  await loadHistory(ctx, AS_OF);
  rows = await suggestTtl(ctx, AS_OF);
});
afterAll(() => ctx?.close());

const group = (permission: string, team: string | null, scope = team === null ? 'all' : 'team') =>
  rows.find((r) => r.permission === permission && r.scope === scope && r.team === team);

describe('suggest-ttl: one group per row', () => {
  // 2025-07-01 … 2026-06-30 holds 261 weekdays (260 gaps per person) and 52 Mondays (51 gaps).
  test.each([
    {
      name: 'daily (weekday) users: longest gap 3 days, clamped up to the 14-day minimum',
      permission: 'db', team: 'eng',
      expect: { holders: 3, users: 3, repeat_users: 3, gaps: 780, median_gap_days: 1, p95_gap_days: 3, p95_longest_gap_days: 3, suggested_ttl_days: 14, reason: null, periodic: false, configured_ttl_days: 60, configured_from: 'system' },
    },
    {
      name: 'a team of one gets no suggestion of its own',
      permission: 'db', team: 'ops',
      expect: { holders: 1, repeat_users: 1, gaps: 260, suggested_ttl_days: null, reason: 'only 1 with 2+ active days (need 3)' },
    },
    {
      name: '…but counts in the permission-wide group, where TTLs are configured',
      permission: 'db', team: null,
      expect: { holders: 4, users: 4, repeat_users: 4, gaps: 1040, suggested_ttl_days: 14 },
    },
    {
      name: 'weekly rhythm: one person\'s 28-day absence sets the TTL (ceil(1.2 × 28)), not the pooled p95 of 7',
      permission: 'wiki', team: 'eng',
      expect: { holders: 5, repeat_users: 5, gaps: 252, median_gap_days: 7, p95_gap_days: 7, p95_longest_gap_days: 28, suggested_ttl_days: 34, periodic: false, cycles: 1 },
    },
    {
      name: 'quarterly close: periodic, period 91 days, TTL from the 90-day silence',
      permission: 'close', team: 'fin',
      expect: { holders: 3, repeat_users: 3, gaps: 33, median_gap_days: 1, p95_gap_days: 90, p95_longest_gap_days: 90, suggested_ttl_days: 108, periodic: true, period_days: 91, cycles: 9, configured_ttl_days: 120, configured_from: 'permission' },
    },
    {
      name: 'silences too long for the history: no suggestion, and uneven gaps are not periodic',
      permission: 'report', team: 'eng',
      expect: { repeat_users: 3, gaps: 3, p95_longest_gap_days: 212, suggested_ttl_days: null, reason: 'logs cover 364 days; a 255-day TTL needs 510', periodic: false, cycles: 3 },
    },
    {
      name: 'unresolved principals form their own group, ids compared case-insensitively',
      permission: 'deploy', team: null, scope: 'no_team',
      expect: { holders: 2, users: 3, repeat_users: 3, gaps: 3 * 364, p95_longest_gap_days: 1, suggested_ttl_days: 14, configured_ttl_days: 60 },
    },
    {
      name: 'a never-used grant: a holder without gaps, nothing to suggest from (denied attempts are not use)',
      permission: 'admin', team: 'eng',
      expect: { holders: 1, users: 0, repeat_users: 0, gaps: 0, median_gap_days: null, p95_gap_days: null, suggested_ttl_days: null, reason: 'nobody with 2+ active days (need 3)' },
    },
    {
      name: 'emergency-only permissions get no TTL',
      permission: 'breakglass', team: 'eng',
      expect: { repeat_users: 3, emergency_only: true, suggested_ttl_days: null, reason: 'emergency-only: rarely used by design, no TTL applies' },
    },
  ])('$name', ({ permission, team, scope, expect: want }) => {
    const row = scope ? group(permission, team, scope) : group(permission, team);
    expect(row).toMatchObject({ system: 'app', observed_days: 364, ...want });
  });

  test('every group has a row per team, one for unresolved principals when any, and one over all', () => {
    const keys = rows.filter((r) => r.permission !== 'heartbeat').map((r) => `${r.permission}:${r.scope}:${r.team ?? ''}`);
    expect(keys).toEqual([
      'admin:all:', 'admin:team:eng',
      'breakglass:all:', 'breakglass:team:eng',
      'close:all:', 'close:team:fin',
      'db:all:', 'db:team:eng', 'db:team:ops',
      'deploy:all:', 'deploy:no_team:',
      'report:all:', 'report:team:eng',
      'wiki:all:', 'wiki:team:eng',
    ]);
  });
});

describe('suggest-ttl: the rules on statistics', () => {
  const base: RhythmStats = {
    system: 's', permission: 'p', scope: 'all', team: null, holders: 5, users: 5, repeat_users: 5, episodic_users: 5,
    gaps: 20, median_gap: 30, p95_gap: 31, p95_longest_gap: 31, cycles: 15, median_cycle: 30, cycle_cv: 0.05,
    median_episode_days: 1, observed_days: 365, configured_ttl: 90, ttl_source: 'default', emergency_only: false,
  };
  test.each([
    { name: 'margin of 20%, rounded up', stats: { p95_longest_gap: 50 }, ttl: 60, periodic: true },
    { name: 'at most 365 days', stats: { p95_longest_gap: 330, observed_days: 800, cycles: 0, median_cycle: null, cycle_cv: null }, ttl: 365, periodic: false },
    { name: 'history exactly twice the TTL is enough', stats: { p95_longest_gap: 50, observed_days: 120 }, ttl: 60, periodic: true },
    { name: 'one day less is not', stats: { p95_longest_gap: 50, observed_days: 119 }, ttl: null, periodic: true },
    { name: 'a period under 20 days is a short rhythm, not a periodic one', stats: { median_cycle: 14, p95_longest_gap: 14 }, ttl: 17, periodic: false },
    { name: 'scattered cycles are not periodic', stats: { cycle_cv: 0.4 }, ttl: 38, periodic: false },
    { name: 'cycles of 43 and 65 days are not a period (cv 0.2)', stats: { cycle_cv: 0.2 }, ttl: 38, periodic: false },
    { name: 'cycles of 28 and 35 days (first Monday of the month) are (cv 0.11)', stats: { cycle_cv: 0.111 }, ttl: 38, periodic: true },
    { name: 'one cycle is too few', stats: { cycles: 1 }, ttl: 38, periodic: false },
    { name: 'long episodes (steady use with breaks) are not periodic', stats: { median_episode_days: 10 }, ttl: 38, periodic: false },
    { name: 'most people must show the rhythm', stats: { episodic_users: 2 }, ttl: 38, periodic: false },
  ])('$name', ({ stats, ttl, periodic }) => {
    const s = decide({ ...base, ...stats });
    expect(s.suggested_ttl_days).toBe(ttl);
    expect(s.periodic).toBe(periodic);
    expect(s.period_days).toBe(periodic ? 30 : null);
  });
});
