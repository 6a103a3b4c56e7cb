import { describe, expect, test } from 'vitest';
import { loadAsOf } from '../aggregate/index.js';
import { addDays } from '../core/days.js';
import { AS_OF, one, run, world, type Use } from '../test/world.js';
import { explain } from './index.js';

/**
 * A grant judged by its own rhythm (README "Use rhythm"), at its boundaries. The world's TTL is 90 days,
 * as of 2026-06-30, logs from 2026-01-01.
 * - A lone use after a silence longer than any other among its newest use days, following regular use
 *   (3+ use days, none more than 7 apart), does not restart the TTL: stale from the regular use's end,
 *   confidence medium (a person confirms);
 * - a grant that came back after a silence of G days before is stale only after more than ⌈1.2·G⌉ days.
 */

/** ann's uses of db on these days (a run is `from` and the days after it). */
const ann = (...days: string[]): Use[] => days.map((day) => ({ day, who: 'ann@corp.example', perm: 'db' }));
const run_ = (from: string, days: number) => Array.from({ length: days }, (_, i) => addDays(from, i));
const grant = { principal: 'ann@corp.example', permission: 'db' };

describe('detect: a lone stray use does not restart the TTL', () => {
  test.each([
    {
      name: 'regular use, then one use 104 days later: stale from the regular use, for a person to confirm',
      uses: ann(...run_('2026-02-01', 5), '2026-05-20'),
      expect: {
        kind: 'stale', confidence: 'medium', last_used: '2026-05-20', days_unused: 145, ttl_days: 90, revocable_from: null,
        confidence_reason: 'a lone use on 2026-05-20, 104 days after its regular use ended on 2026-02-05, does not restart the TTL; a person confirms before it is revoked',
      },
    },
    { name: 'two uses after the silence: use resumed', uses: ann(...run_('2026-02-01', 5), '2026-05-20', '2026-05-25'), expect: undefined },
    { name: 'regular use needs 3 use days: 2 are not', uses: ann(...run_('2026-02-04', 2), '2026-05-20'), expect: undefined },
    { name: '3 are', uses: ann(...run_('2026-02-03', 3), '2026-05-20'), expect: { kind: 'stale', confidence: 'medium', days_unused: 145 } },
    {
      name: 'a silence no longer than an earlier one (74 days, then 57) is its rhythm, not a stray',
      uses: ann('2026-01-05', ...run_('2026-03-20', 5), '2026-05-20'),
      expect: undefined,
    },
    { name: '7 days after regular use is still regular use (the episode gap)', uses: ann(...run_('2026-03-21', 5), '2026-04-01'), expect: undefined },
    { name: '8 days after is a stray: 97 days from the regular use', uses: ann(...run_('2026-03-21', 5), '2026-04-02'), expect: { kind: 'stale', confidence: 'medium', days_unused: 97, last_used: '2026-04-02' } },
    {
      name: 'stale even counting the stray: plainly stale, days from the stray',
      uses: ann(...run_('2026-01-05', 5), '2026-03-01'),
      expect: { kind: 'stale', confidence: 'high', days_unused: 121, last_used: '2026-03-01', confidence_reason: 'not used since a use the logs recorded', revocable_from: expect.any(String) },
    },
  ])('$name', async (row) => {
    const ctx = await world({ uses: row.uses, grants: [grant] });
    const f = one(await run(ctx), grant.principal, grant.permission);
    if (row.expect === undefined) expect(f).toBeUndefined();
    else expect(f).toMatchObject(row.expect);
  });

  test("one person's ids count together: a regular run under an alias, the stray under the email", async () => {
    const uses = [...run_('2026-02-01', 5).map((day) => ({ day, who: 'benny', perm: 'db' })), { day: '2026-05-20', who: 'ben@corp.example', perm: 'db' }];
    const ctx = await world({ uses, grants: [{ principal: 'benny', permission: 'db' }] });
    expect(one(await run(ctx), 'benny', 'db')).toMatchObject({ kind: 'stale', confidence: 'medium', last_used: '2026-05-20', days_unused: 145 });
  });

  test('explain names the stray, counts from the regular use, and lists the newest use days', async () => {
    const uses = ann(...run_('2026-02-01', 5), '2026-05-20');
    const ctx = await world({ uses, grants: [grant] });
    const [row] = await explain(ctx, await loadAsOf(ctx, AS_OF), 'ann');
    expect(row).toMatchObject({ verdict: 'flagged', kind: 'stale', ttl_days: 90, recent_use_days: uses.map((u) => u.day) });
    expect(row!.reason).toBe(
      'stale: last used 2026-05-20, a lone use 104 days after its regular use ended on 2026-02-05, which does not restart the TTL: ' +
        '145 days since then; TTL 90 days; its newest use days: 2026-02-01, 2026-02-02, 2026-02-03, 2026-02-04, 2026-02-05, 2026-05-20',
    );
  });
});

describe("detect: a grant's own rhythm longer than the TTL", () => {
  test.each([
    { name: 'came back after 82 days: stale only after 99 (98 days unused is not)', uses: ann('2026-01-01', '2026-03-24'), expect: undefined },
    {
      name: 'came back after 81 days: stale after 98 (99 days unused is)',
      uses: ann('2026-01-01', '2026-03-23'),
      expect: {
        kind: 'stale', confidence: 'high', days_unused: 99, ttl_days: 98,
        confidence_reason: 'unused for longer than its own rhythm allows: it came back after 81 days without use before, so its TTL of 90 days is 98 for it',
      },
    },
    { name: 'a silence shorter than the TTL over 1.2 changes nothing', uses: ann('2026-01-20', '2026-03-30'), expect: { kind: 'stale', ttl_days: 90, days_unused: 92 } },
  ])('$name', async (row) => {
    const ctx = await world({ uses: row.uses, grants: [grant] });
    const f = one(await run(ctx), grant.principal, grant.permission);
    if (row.expect === undefined) expect(f).toBeUndefined();
    else expect(f).toMatchObject(row.expect);
  });

  test('not for on-call access: the rotation sets its rhythm, and the clock runs from the last shift', async () => {
    // Came back after 77 days (93 for an ordinary grant); the last shift ended 2026-03-31, 91 days ago.
    const uses = ['2026-01-02', '2026-03-20'].map((day) => ({ day, who: 'ann@corp.example', perm: 'pager' }));
    const ctx = await world({
      uses, grants: [{ principal: 'ann@corp.example', permission: 'pager' }], permissions: { pager: { on_call: true } },
      files: { 'oncall.csv': 'person,from,to\nann,2026-03-20,2026-03-31\n' }, extra: { directory: { path: 'people.csv', on_call: ['oncall.csv'] } },
    });
    expect(one(await run(ctx), 'ann@corp.example', 'pager')).toMatchObject({ kind: 'stale', ttl_days: 90, days_unused: 91 });
  });

  test('explain gives the longer TTL and why', async () => {
    const ctx = await world({ uses: ann('2026-01-01', '2026-03-24'), grants: [grant] });
    const [row] = await explain(ctx, await loadAsOf(ctx, AS_OF), 'ann');
    expect(row).toMatchObject({ verdict: 'ok', ttl_days: 99, days_unused: 98, recent_use_days: ['2026-01-01', '2026-03-24'] });
    expect(row!.reason).toBe(
      'in use: last used 2026-03-24, 98 days ago; TTL 90 days, 99 for this grant: it came back after 82 days without use before ' +
        '(its own rhythm); its newest use days: 2026-01-01, 2026-03-24',
    );
  });
});
