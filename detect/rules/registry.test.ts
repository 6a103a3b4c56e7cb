import { afterAll, beforeAll, expect, test } from 'vitest';
import { Db } from '../../core/db.js';
import { loadRuleRegistry } from './registry.js';

let db: Db;
beforeAll(async () => {
  db = await Db.open();
  await loadRuleRegistry(db);
});
afterAll(() => db.close());

const none = {
  protected_principal: false, exemption: false, emergency_only: false, on_leave: false, source_freshness: false,
  observation_window: false, unobserved_permission: false,
};

test.each([
  ['an unflagged grant', null, { ...none, protected_principal: true }, null],
  ['a flagged grant nothing holds', 'stale', none, null],
  ['protected before everything', 'stale', { ...none, protected_principal: true, exemption: true, source_freshness: true }, 'protected_principal'],
  ["a leaver's protected grant", 'terminated', { ...none, protected_principal: true }, 'protected_principal'],
  ["a leaver's exempted grant, on a silent system", 'terminated', { ...none, exemption: true, emergency_only: true, source_freshness: true }, null],
  ['an exemption before emergency-only', 'stale', { ...none, exemption: true, emergency_only: true }, 'exemption'],
  ['emergency-only before a silent source', 'never_used', { ...none, emergency_only: true, source_freshness: true }, 'emergency_only'],
  ['a silent source before the observation window', 'never_used', { ...none, source_freshness: true, observation_window: true }, 'source_freshness'],
  ['the observation window', 'never_used', { ...none, observation_window: true }, 'observation_window'],
  ['on leave before a silent source', 'stale', { ...none, on_leave: true, source_freshness: true }, 'on_leave'],
  ["a leaver's grant is not held by a leave", 'terminated', { ...none, on_leave: true }, null],
  ['an unobserved permission', 'never_used', { ...none, unobserved_permission: true }, 'unobserved_permission'],
  ['the observation window before an unobserved permission', 'never_used', { ...none, observation_window: true, unobserved_permission: true }, 'observation_window'],
  ['an unknown condition (NULL) holds nothing', 'stale', { ...none, protected_principal: null }, null],
])('%s', async (_, kind, flags, expected) => {
  const named = Object.keys(flags).map((id) => `${id} := $${id}`).join(', ');
  const row = await db.one<{ x: string | null }>(`SELECT lapse_excluded_by($kind::VARCHAR, ${named}) AS x`, { kind, ...flags });
  expect(row?.x).toBe(expected);
});

test('a rule evaluate.sql forgets to name is a bind error, not a rule that never holds', async () => {
  await expect(db.one(`SELECT lapse_excluded_by('stale', protected_principal := false) AS x`)).rejects.toThrow(/lapse_excluded_by/);
});

test('lifecycle reads whether a rule exempts and its reason', async () => {
  expect(await db.all('SELECT id, exempts, reason FROM lapse_rules WHERE exempts ORDER BY id')).toEqual([
    { id: 'emergency_only', exempts: true, reason: 'emergency-only (break-glass) permission' },
    { id: 'exemption', exempts: true, reason: null },
    { id: 'on_leave', exempts: true, reason: 'the person is on leave' },
    { id: 'protected_principal', exempts: true, reason: 'protected principal' },
  ]);
});
