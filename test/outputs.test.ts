import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { hashes, appConfig, lapse, tempDir, writeFiles, annBenCat } from './helpers.js';

/**
 * What the actions write beside other files, through the built CLI: a ticket preview replaces only the
 * files it wrote itself, whatever else lives in its directory (revocation lists, acks, a person's notes).
 */

/** A revoker command standing in for a system: removes the grant from grants.jsonl (exit 3 when absent). */
const REVOKE = `
import { readFileSync, writeFileSync } from 'node:fs';
let input = '';
for await (const c of process.stdin) input += c;
const e = JSON.parse(input);
const file = process.argv[2] + '/grants.jsonl';
const grants = readFileSync(file, 'utf8').split('\\n').filter(Boolean).map((l) => JSON.parse(l));
const keep = grants.filter((g) => !(g.principal === e.principal && g.permission === e.permission));
if (keep.length === grants.length) process.exit(3);
writeFileSync(file, keep.map((g) => JSON.stringify(g) + '\\n').join(''));
`;

async function world(...actions: string[]): Promise<string> {
  const dir = await tempDir('lapse-outputs-');
  await writeFiles(dir, {
    ...annBenCat(),
    'lapse.yaml': appConfig('mode: enforce', 'guards: { max_revoke_fraction: 0.9 }', 'actions:', ...actions),
    'revoke.mjs': REVOKE,
  });
  return dir;
}

const files = async (root: string) => (await readdir(root, { recursive: true, withFileTypes: true })).filter((f) => f.isFile()).map((f) => join(f.parentPath, f.name).slice(root.length + 1)).sort();

describe('ticket_preview replaces only its own files', () => {
  test('run, revoker pass, next day: lists, manifests and acks in the preview directory survive; stale previews go', async () => {
    const dir = await world('  - { type: ticket_preview, dir: ./out/tickets }', '  - { type: revocation_list }', 'revocations: { target: ./out/revocations }');
    const day1 = lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    expect(day1.err).toBe('');
    expect(day1.code).toBe(0);
    const before = await files(join(dir, 'out/tickets'));
    expect(before.filter((f) => f.endsWith('.md'))).toHaveLength(3); // ben, cat, and the index

    const revoker = lapse(['revoker', '--config', 'lapse.yaml', '--system', 'app', '--exec', `'${process.execPath}' revoke.mjs '${dir}'`], dir);
    expect(revoker.code).toBe(0);
    // The revocation target inside the preview directory (as with `dir: ./out` and `target: ./out/revocations`),
    // placed by hand so the test holds whatever the config accepts; and a person's own file beside them.
    await cp(join(dir, 'out/revocations'), join(dir, 'out/tickets/revocations'), { recursive: true });
    await writeFile(join(dir, 'out/tickets/notes.md'), 'my review notes\n');
    const foreign = await hashes(join(dir, 'out/tickets/revocations'));
    expect(Object.keys(foreign).some((f) => f.endsWith('ack.jsonl'))).toBe(true);

    const day2 = lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-07-01'], dir);
    expect(day2.err).toBe('');
    expect(day2.code).toBe(0);
    expect(await hashes(join(dir, 'out/tickets/revocations'))).toEqual(foreign);
    expect(await readFile(join(dir, 'out/tickets/notes.md'), 'utf8')).toBe('my review notes\n');
    // The grants were revoked: day 1's tickets are gone, and so are the folders only they used.
    const after = await files(join(dir, 'out/tickets'));
    expect(after.filter((f) => !f.startsWith('revocations/'))).toEqual(['.lapse-ticket-preview.json', 'index.md', 'notes.md']);
    expect(await readFile(join(dir, 'out/tickets/index.md'), 'utf8')).toContain('0 tickets');
  });
});

describe('a list held by the blast-radius guard', () => {
  const held = async (dir: string) => {
    const day = join(dir, 'out/revocations/app/2026-06-30');
    const [run] = await readdir(day);
    const manifest = JSON.parse(await readFile(join(day, run!, 'manifest.json'), 'utf8'));
    const body = await readFile(join(day, run!, manifest.file), 'utf8');
    return { manifest, lines: body.split('\n').filter(Boolean).map((l) => JSON.parse(l)), run: run! };
  };
  const revoker = (dir: string) => lapse(['revoker', '--config', 'lapse.yaml', '--system', 'app', '--exec', `'${process.execPath}' revoke.mjs '${dir}'`], dir);
  const grantsOf = async (dir: string) => (await readFile(join(dir, 'grants.jsonl'), 'utf8')).split('\n').filter(Boolean).length;

  test('shows what it held, is never applied, and is let through per run by an audited --allow-blast-radius', async () => {
    const dir = await world('  - { type: revocation_list }', 'revocations: { target: ./out/revocations }');
    await writeFile(join(dir, 'lapse.yaml'), (await readFile(join(dir, 'lapse.yaml'), 'utf8')).replace('guards: { max_revoke_fraction: 0.9 }', 'guards: { max_revoke_fraction: 0.5 }'));
    const run = lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    expect(run.code).toBe(3);
    const h = await held(dir);
    expect(h.manifest).toMatchObject({ held: true, count: 2, file: 'held.jsonl', held_reason: expect.stringMatching(/^blast_radius: would revoke 2 of 3 grants/) });
    expect(h.lines.map((l) => l.principal).sort()).toEqual(['ben@corp.example', 'cat@corp.example']);
    const r1 = revoker(dir);
    expect(r1.code).toBe(0);
    expect(r1.out).toMatch(/held/);
    expect(await grantsOf(dir)).toBe(3); // nothing revoked

    const bad = [
      ['--allow-blast-radius', 'app'],
      ['--allow-blast-radius', 'app', '--reason', ' '],
      ['--allow-blast-radius', 'nope', '--reason', 'x'],
      ['--reason', 'x'],
    ];
    for (const args of bad) {
      const r = lapse(['act', '--config', 'lapse.yaml', '--as-of', '2026-06-30', ...args], dir);
      expect([r.code, args]).toEqual([2, args]);
      expect(r.err).toMatch(/--allow-blast-radius|--reason/);
    }

    const act = lapse(['act', '--config', 'lapse.yaml', '--as-of', '2026-06-30', '--allow-blast-radius', 'app', '--reason', 'reorg: access reviewed by IT'], dir);
    expect(act.err).toBe('');
    expect(act.code).toBe(0);
    expect(act.out).toMatch(/blast_radius on app allowed by --allow-blast-radius: 2 of 3 grants \(66\.7%\); reason: reorg: access reviewed by IT/);
    const allowed = { system: 'app', guard: 'blast_radius', reason: 'reorg: access reviewed by IT', run_id: h.run, as_of: '2026-06-30', count: 2, grants: 3 };
    const a = await held(dir);
    expect(a.run).toBe(h.run);
    expect(a.manifest).toMatchObject({ held: false, held_reason: null, count: 2, file: 'revocations.jsonl', override: { ...allowed, fraction: expect.closeTo(2 / 3) } });
    const record = JSON.parse(await readFile(join(dir, 'lake/runs/as_of=2026-06-30/run.json'), 'utf8'));
    expect(record.overrides).toEqual([{ ...allowed, fraction: expect.closeTo(2 / 3), by: expect.any(String), at: expect.any(String) }]);
    // The run record now says the list was not held (the report reads it), and the override holds for this run:
    // re-running the day with the same inputs changes nothing, and exits 0.
    expect(record.guards.filter((g: { system: string; guard: string }) => g.guard === 'blast_radius')).toEqual([]);
    const out = await hashes(join(dir, 'out'));
    const again = lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/blast_radius on app allowed earlier for this run by --allow-blast-radius \(\S+, \S+\): 2 of 3 grants/);
    expect(await hashes(join(dir, 'out'))).toEqual(out);
    const r2 = revoker(dir);
    expect(r2.code).toBe(0);
    expect(await grantsOf(dir)).toBe(1);
  });

  test('lapse run takes the override too; another system or guard stays held', async () => {
    const dir = await world('  - { type: revocation_list }', 'revocations: { target: ./out/revocations }');
    await writeFile(join(dir, 'lapse.yaml'), (await readFile(join(dir, 'lapse.yaml'), 'utf8')).replace('guards: { max_revoke_fraction: 0.9 }', 'guards: { max_revoke_count: 1 }'));
    const run = lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30', '--allow-blast-radius', 'app', '--reason', 'one-off'], dir);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect((await held(dir)).manifest).toMatchObject({ held: false, count: 2, override: { reason: 'one-off', count: 2 } });
    // The next day's run without the override holds again (nothing was revoked in between).
    const next = lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-07-01'], dir);
    expect(next.code).toBe(3);
  });
});
