import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { StoreError } from '../core/errors.js';
import { LocalLake, ReadOnlyLake } from '../core/store.js';
import { appConfig, hashes, jsonl, lapse, tempDir, writeFiles } from './helpers.js';

/** A lake whose last-use rollup is behind: a detect folded the first logs, a later ingest added more. */
async function behind(): Promise<string> {
  const dir = await tempDir('lapse-readonly-');
  const uses = (from: number, to: number) =>
    jsonl(
      Array.from({ length: to - from }, (_, i) => ({
        ts: `${new Date(Date.UTC(2026, 0, 1) + (from + i) * 86_400_000).toISOString().slice(0, 10)}T10:00:00Z`,
        user: 'ann@corp.example',
        perm: 'db',
        result: 'ok',
      })),
    );
  await writeFiles(dir, {
    'logs/a.jsonl': uses(0, 100),
    'grants.jsonl': jsonl([
      { principal: 'ann@corp.example', permission: 'db' },
      { principal: 'ben@corp.example', permission: 'admin', granted_at: '2025-01-01' },
    ]),
    'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\nben,ben@corp.example,eng,ann,active\n',
    'lapse.yaml': appConfig(),
  });
  expect(lapse(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-04-10'], dir).code).toBe(0);
  expect(lapse(['detect', '--config', 'lapse.yaml', '--as-of', '2026-04-10'], dir).code).not.toBe(2);
  await writeFiles(dir, { 'logs/b.jsonl': uses(100, 180) });
  expect(lapse(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-29'], dir).code).toBe(0);
  return dir;
}

describe('read-only commands leave the lake as it is', () => {
  const commands: [string, string[]][] = [
    ['explain', ['explain', 'ann', '--as-of', '2026-06-30']],
    ['report', ['report', '--out', '../report.html']],
    ['suggest-ttl', ['suggest-ttl', '--as-of', '2026-06-30']],
    ['backtest', ['backtest', '--ttl', '30,90', '--as-of', '2026-06-30']],
  ];
  test.each(commands)('%s on a lake whose rollup is behind', async (_, args) => {
    const dir = await behind();
    const before = await hashes(join(dir, 'lake'));
    const r = lapse([...args, '--config', 'lapse.yaml'], dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(await hashes(join(dir, 'lake'))).toEqual(before);
  });
});

test('explain folds the pending batches in memory: it reads as it does once detect stored them', async () => {
  const dir = await behind();
  const explain = () => lapse(['explain', 'ann', '--as-of', '2026-06-30', '--json', '--config', 'lapse.yaml'], dir).out;
  const readOnly = explain();
  expect(readOnly).toContain('2026-06-29');
  expect(lapse(['detect', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir).code).not.toBe(2);
  expect(explain()).toBe(readOnly);
});

test('a read-only lake reads, and refuses every write naming it', async () => {
  const dir = await tempDir('lapse-readonly-');
  await writeFiles(dir, { 'a/b.json': '{}' });
  const lake = new ReadOnlyLake(new LocalLake(dir));
  expect(await lake.readText('a/b.json')).toBe('{}');
  expect((await lake.list('a/')).map((o) => o.key)).toEqual(['a/b.json']);
  await expect(lake.writeText('a/c.json', '{}')).rejects.toThrow(new StoreError(`${dir} is open read-only for this command: cannot write a/c.json`));
  await expect(lake.putFile('a/c.json', join(dir, 'a/b.json'))).rejects.toThrow(/read-only.*cannot write a\/c.json/);
  await expect(lake.remove(['a/b.json'])).rejects.toThrow(/read-only.*cannot remove a\/b.json/);
  await expect(lake.scratch()).rejects.toThrow(StoreError);
  expect(await hashes(dir)).toEqual({ 'a/b.json': expect.any(String) });
});
