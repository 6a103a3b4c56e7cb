import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { hashes, appConfig, jsonl, lapse, tempDir, writeFiles } from './helpers.js';

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
  const events: object[] = [];
  for (let d = 0; d < 150; d++) {
    const day = new Date(Date.UTC(2026, 1, 1) + d * 86_400_000).toISOString().slice(0, 10);
    events.push({ ts: `${day}T10:00:00Z`, user: 'ann@corp.example', perm: 'db', result: 'ok' });
    if (d < 20) events.push({ ts: `${day}T11:00:00Z`, user: 'ben@corp.example', perm: 'db', result: 'ok' });
  }
  await writeFiles(dir, {
    'logs/app.jsonl': jsonl(events),
    'grants.jsonl': jsonl([
      { principal: 'ann@corp.example', permission: 'db' },
      { principal: 'ben@corp.example', permission: 'db' },
      { principal: 'cat@corp.example', permission: 'admin', granted_at: '2025-01-01' },
    ]),
    'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\nben,ben@corp.example,eng,ann,active\ncat,cat@corp.example,eng,ann,active\n',
    'lapse.yaml': appConfig('mode: enforce', 'guards: { max_revoke_fraction: 0.9 }', 'actions:', ...actions),
    'revoke.mjs': REVOKE,
  });
  return dir;
}

const files = async (root: string) => (await readdir(root, { recursive: true, withFileTypes: true })).filter((f) => f.isFile()).map((f) => join(f.parentPath, f.name).slice(root.length + 1)).sort();

describe('ticket_preview replaces only its own files', () => {
  test('run, revoker pass, next day: lists, manifests and acks in the preview directory survive; stale previews go', async () => {
    const dir = await world('  - { type: ticket_preview, dir: ./out/tickets }', '  - { type: revocation_list, target: ./out/revocations }');
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
