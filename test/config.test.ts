import { readdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { appConfig, jsonl, lapse, tempDir, writeFiles } from './helpers.js';

/** Through the built CLI: a config the schema refuses exits 2, naming the field, before the lake is touched. */
async function world(...lines: string[]): Promise<string> {
  const dir = await tempDir('lapse-config-');
  await writeFiles(dir, {
    'logs/app.jsonl': jsonl([{ ts: '2026-06-01T10:00:00Z', user: 'ann@corp.example', perm: 'db', result: 'ok' }]),
    'grants.jsonl': jsonl([{ principal: 'ann@corp.example', permission: 'db' }]),
    'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\n',
    'lapse.yaml': appConfig(...lines),
  });
  return dir;
}

function refused(dir: string, command: string, expected: RegExp[]): void {
  const r = lapse([command, '--config', 'lapse.yaml', ...(command === 'doctor' ? [] : ['--as-of', '2026-06-30'])], dir);
  expect(r.code, r.err).toBe(2);
  for (const e of expected) expect(`${r.out}${r.err}`).toMatch(e);
}

describe('numbers too large for what they mean', () => {
  test.each([
    ['    permissions: { db: { ttl_days: 2147483648 } }', /systems\.app\.permissions\.db\.ttl_days: .*typo/],
    ['defaults: { ttl_days: 2147483648 }', /defaults\.ttl_days: .*typo/],
    ['lifecycle: { grace_days: 2147483648 }', /lifecycle\.grace_days: /],
    ['defaults: { max_source_lag_days: 2147483648 }', /defaults\.max_source_lag_days: /],
    ['guards: { max_revoke_count: 2147483648 }', /guards\.max_revoke_count: /],
    ['cold_start: { min_team_size: 2147483648 }', /cold_start\.min_team_size: /],
    ['engine: { threads: 2147483648 }', /engine\.threads: /],
  ])('%s: exit 2 naming the field, and no lake', async (line, expected) => {
    const dir = await world(line);
    refused(dir, 'run', [expected]);
    expect(await readdir(dir)).not.toContain('lake');
  });
});

describe('outputs, names and locations', () => {
  test('a revocation list inside the ticket directory is refused by every command', async () => {
    const dir = await world('actions:', '  - { type: ticket_preview, dir: ./out }', '  - { type: revocation_list }', 'revocations: { target: ./out/revocations }');
    for (const command of ['doctor', 'run', 'detect']) refused(dir, command, [/actions\[0\]\.dir/, /revocations\.target/]);
    expect(await readdir(dir)).not.toContain('lake');
    expect(await readdir(dir)).not.toContain('out');
  });

  test('a config with the list target still in the revocation_list entry is refused by every command, saying where it moved', async () => {
    const dir = await world('actions:', '  - { type: revocation_list, target: ./out/revocations }');
    for (const command of ['doctor', 'run', 'restore', 'revoker']) {
      const args = command === 'restore' ? ['--system', 'app', '--principal', 'ann@corp.example', '--permission', 'db', '--reason', 'r', '--requested-by', 'me']
        : command === 'revoker' ? ['--system', 'app', '--exec', 'true'] : command === 'run' ? ['--as-of', '2026-06-30'] : [];
      const r = lapse([command, '--config', 'lapse.yaml', ...args], dir);
      expect(r.code, `${command}: ${r.err}`).toBe(2);
      expect(`${r.out}${r.err}`, command).toMatch(/actions\[0\]\.target: moved to revocations\.target/);
    }
    expect(await readdir(dir)).not.toContain('lake');
  });

  test('a 300-character system name is refused', async () => {
    const dir = await world(`  ${'s'.repeat(300)}: { connector: jsonl, logs: [{ path: logs/ }], grants: { path: grants.jsonl }, mapping: { time: ts, principal: user, permission: perm } }`);
    refused(dir, 'run', [/systems\.s{300}: .*64 characters/]);
    expect(await readdir(dir)).not.toContain('lake');
  });

  test.each([
    ["store: ''", /store: .*empty/],
    ['store: http://x/y', /store: .*http:\/\//],
  ])('%s is refused naming store', async (line, expected) => {
    const dir = await world();
    await writeFiles(dir, { 'lapse.yaml': appConfig().replace('store: ./lake', line) });
    refused(dir, 'run', [expected]);
    expect((await readdir(dir)).sort()).toEqual(['grants.jsonl', 'lapse.yaml', 'logs', 'people.csv']);
  });
});
