import { describe, expect, test } from 'vitest';
import { restoreCommand } from '../../core/restore.js';
import { siteSlug, sitePath, siteUrl } from '../../core/site.js';
import { lapseOf, type GrantRow } from './lapse.js';

const grant = (more: Partial<GrantRow>): GrantRow => ({
  person: 'ann', system: 'app', principal: 'ann@corp.example', permission: 'deploy', label: null, via: null, granted_at: '2025-01-01',
  last_used: '2026-06-20', days_unused: 10, ttl_days: 90, emergency_only: false, protected: false, exemption_text: null,
  kind: null, excluded_by: null, status: null, decision: null, first_flagged: null, revocable_from: null, score: null, exempt_reason: null,
  ...more,
});

describe('when a grant lapses unless used', () => {
  test.each([
    ['in use: the day after TTL days unused, plus the notice', grant({}), 0, 'in_use', '2026-09-19'],
    ['in use, with 7 days of notice', grant({}), 7, 'in_use', '2026-09-26'],
    ['used exactly TTL days ago: flagged tomorrow', grant({ last_used: '2026-04-01', days_unused: 90 }), 0, 'in_use', '2026-07-01'],
    ['too new, never used: counted from the grant', grant({ last_used: null, days_unused: 20, granted_at: '2026-06-10' }), 0, 'in_use', '2026-09-09'],
    ['flagged stale: its finding\'s revocable day', grant({ kind: 'stale', status: 'open', revocable_from: '2026-07-07', days_unused: 149 }), 7, 'flagged', '2026-07-07'],
    ['a leaver: at once', grant({ kind: 'terminated', status: 'new', revocable_from: '2026-06-30' }), 7, 'flagged', '2026-06-30'],
    ['an anomaly: the manager decides', grant({ kind: 'cold_start_anomaly', status: 'new' }), 7, 'awaiting_decision', null],
    ['an anomaly the manager said goes', grant({ kind: 'cold_start_anomaly', status: 'open', decision: 'revoke', revocable_from: '2026-06-30' }), 7, 'flagged', '2026-06-30'],
    ['break-glass: never', grant({ emergency_only: true }), 0, 'held', null],
    ['exempted, in use', grant({ exemption_text: 'quarter close (exemption x_1, owner boss, until 2026-12-31)' }), 0, 'exempted', null],
    ['exempted, flagged', grant({ kind: 'stale', status: 'exempted', excluded_by: 'exemption', exempt_reason: 'needed (owner boss)' }), 0, 'exempted', null],
    ['held by a silent source', grant({ kind: 'stale', status: 'open', excluded_by: 'source_freshness' }), 0, 'held', null],
    ['no logs yet', grant({ last_used: null, days_unused: null }), 0, 'unknown', null],
  ])('%s', (_name, g, grace, state, day) => {
    expect(lapseOf(g, '2026-06-30', grace, new Set())).toMatchObject({ state, lapses_on: day });
  });

  test('a flagged grant on a system whose list the blast-radius guard held is held, and says why', () => {
    const r = lapseOf(grant({ kind: 'stale', status: 'open', revocable_from: '2026-06-30' }), '2026-06-30', 0, new Set(['app']));
    expect(r).toMatchObject({ state: 'held', lapses_on: null });
    expect(r.note).toContain('would revoke too many');
  });
});

describe('site URLs', () => {
  const HOSTILE = ['<script>alert(1)</script>', '../../etc/passwd', 'Zoë', 'Zoe', 'zoe', 'zoé', 'a/b', 'a_b', '', '.', 'CON', '日本語', 'x'.repeat(300)];

  test('every slug is a safe file name, and no two ids share one (case-insensitively)', () => {
    const slugs = HOSTILE.map(siteSlug);
    for (const s of slugs) expect(s).toMatch(/^[a-z0-9][a-z0-9-]{0,47}-[0-9a-f]{12}$|^id-[0-9a-f]{12}$/);
    expect(new Set(slugs.map((s) => s.toLowerCase())).size).toBe(HOSTILE.length);
  });

  test('a slug is readable and stable', () => {
    expect(siteSlug('Zoë O\'Brien/ops')).toMatch(/^zoe-o-brien-ops-[0-9a-f]{12}$/);
    expect(siteSlug('ann')).toBe(siteSlug('ann'));
    expect(sitePath('person', 'ann')).toBe(`people/${siteSlug('ann')}.html`);
    expect(sitePath('team', 'ann')).toBe(`teams/${siteSlug('ann')}.html`);
    expect(siteUrl('https://lapse.corp.example/site', 'manager', 'boss')).toBe(`https://lapse.corp.example/site/managers/${siteSlug('boss')}.html`);
    expect(siteUrl('https://lapse.corp.example/', 'person', 'ann')).toBe(`https://lapse.corp.example/people/${siteSlug('ann')}.html`);
  });
});

test('the restore command quotes every value for a shell', () => {
  expect(restoreCommand({ system: 'app', principal: 'ann@corp.example', permission: "it's <b>" }, 'lapse.yaml')).toBe(
    "lapse restore --config lapse.yaml --system app --principal ann@corp.example --permission 'it'\\''s <b>' --reason '<why>' --requested-by <who>",
  );
  expect(restoreCommand({ system: 'app', principal: '$(rm -rf /)', permission: 'x' })).toContain("--principal '$(rm -rf /)'");
});
