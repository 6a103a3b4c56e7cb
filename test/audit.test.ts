import { readdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { appConfig, lapse, tempDir, writeFiles, annBenCat } from './helpers.js';

/** A small world, ingested as of 2026-06-30: ann uses db daily, ben held db and stopped, cat never used admin. */
async function world(): Promise<string> {
  const dir = await tempDir('lapse-audit-');
  await writeFiles(dir, {
    // A grant the snapshot no longer lists, known from its use only.
    ...annBenCat({ events: [{ ts: '2026-02-03T09:00:00Z', user: 'Old@corp.example', perm: 'legacy', result: 'ok' }] }),
    'lapse.yaml': appConfig('mode: enforce', 'guards: { max_revoke_fraction: 0.9 }', 'actions:', '  - { type: revocation_list }', 'revocations: { target: ./out/revocations }'),
  });
  expect(lapse(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir).code).toBe(0);
  return dir;
}

const until = () => new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
const exempt = (dir: string, ...args: string[]) =>
  lapse(['exempt', '--config', 'lapse.yaml', '--system', 'app', '--owner', 'ann@corp.example', '--reason', 'incident', '--until', until(), ...args], dir);
const restore = (dir: string, ...args: string[]) =>
  lapse(['restore', '--config', 'lapse.yaml', '--system', 'app', '--reason', 'month end', '--requested-by', 'ann@corp.example', ...args], dir);

describe('audit fields are never empty', () => {
  test.each([
    ['--reason', ['--principal', 'ben@corp.example', '--permission', 'db', '--reason', '', '--requested-by', 'ann']],
    ['--requested-by', ['--principal', 'ben@corp.example', '--permission', 'db', '--reason', 'x', '--requested-by', '  ']],
  ])('restore refuses an empty %s with exit 2', async (flag, args) => {
    const dir = await world();
    const r = lapse(['restore', '--config', 'lapse.yaml', '--system', 'app', ...args], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${flag} is empty`);
    expect(await readdir(dir)).not.toContain('out');
  });

  test.each(['--owner', '--reason', '--requested-by'])('exempt refuses a blank %s with exit 2', async (flag) => {
    const dir = await world();
    const r = exempt(dir, '--principal', 'cat@corp.example', '--permission', 'admin', flag, ' ');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${flag} is empty`);
  });
});

describe('grants the lake has never seen need --force', () => {
  test('exempt: a typo in the permission, the principal or the person is refused; --force records it with a warning', async () => {
    const dir = await world();
    const typo = exempt(dir, '--principal', 'cat@corp.example', '--permission', 'admn');
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/no grant of admn to cat@corp.example on app is known.*pass --force/);
    expect(exempt(dir, '--principal', 'kat@corp.example', '--permission', '*').err).toMatch(/principal kat@corp.example is unknown on app/);
    expect(exempt(dir, '--person', 'kat', '--permission', 'admin').err).toMatch(/person kat is in no directory snapshot/);
    expect(exempt(dir, '--person', 'cat', '--permission', 'admn').err).toMatch(/permission admn was never granted, used or revoked on app/);
    expect(lapse(['exempt', '--config', 'lapse.yaml', '--list'], dir).out).toMatch(/no active exemptions/);

    const forced = exempt(dir, '--principal', 'cat@corp.example', '--permission', 'admn', '--force');
    expect(forced.code).toBe(0);
    expect(forced.out).toMatch(/warning: no grant of admn to cat@corp.example on app is known.*--force/);
    expect(forced.out).toMatch(/exemption x_\w+/);
  });

  test('exempt: known grants, principals (any case) and people need no --force', async () => {
    const dir = await world();
    expect(exempt(dir, '--principal', 'CAT@corp.example', '--permission', 'admin').code).toBe(0);
    expect(exempt(dir, '--principal', 'ben@corp.example', '--permission', '*').code).toBe(0);
    expect(exempt(dir, '--person', 'cat', '--permission', '*').code).toBe(0);
    expect(exempt(dir, '--person', 'ben', '--permission', 'db').code).toBe(0);
  });

  test('a grant known only from its use is known, before and after detect folded the uses', async () => {
    const dir = await world();
    expect(restore(dir, '--principal', 'old@corp.example', '--permission', 'legacy').code).toBe(0);
    expect(lapse(['detect', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir).code).toBe(0);
    expect(exempt(dir, '--principal', 'old@corp.example', '--permission', 'legacy').code).toBe(0);
    expect(exempt(dir, '--principal', 'old@corp.example', '--permission', 'db').code).toBe(2);
  });

  test('exempt: an unknown --system is an error', async () => {
    const dir = await world();
    const r = exempt(dir, '--principal', 'cat@corp.example', '--permission', 'admin', '--system', 'ap');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--system ap: not configured/);
  });

  test('restore: a grant nobody held is refused; a held one is written; --force writes the unknown one with a warning', async () => {
    const dir = await world();
    const typo = restore(dir, '--principal', 'ben@corp.example', '--permission', 'dba');
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/no grant of dba to ben@corp.example on app is known/);
    expect(await readdir(dir)).not.toContain('out');
    expect(restore(dir, '--principal', 'ben@corp.example', '--permission', 'db').code).toBe(0);
    const forced = restore(dir, '--principal', 'ben@corp.example', '--permission', 'dba', '--force');
    expect(forced.code).toBe(0);
    expect(forced.out).toMatch(/warning: no grant of dba/);
  });
});
