import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { appSystem, config, jsonl, stageContext, tempDir, writeFiles } from '../test/helpers.js';
import { ingest } from './index.js';

const DIRECTORY = 'id,email,team,manager,status,aliases\nu1,alice@corp.example,eng,,active,vault:alice\nu1,dup@corp.example,eng,,active,\n';
const GRANTS = [
  { principal: 'alice', permission: 'kv/read' },
  { principal: 'bob', permission: '' },
];

let close = () => {};
afterEach(() => close());

async function setup() {
  const dir = await tempDir();
  await writeFiles(dir, { 'logs/a.jsonl': '', 'grants.jsonl': jsonl(GRANTS), 'people.csv': DIRECTORY });
  const cfg = config(dir, {
    directory: { path: 'people.csv' },
    systems: { vault: appSystem() },
  });
  const ctx = await stageContext(cfg);
  close = () => ctx.close();
  const grants = (day: string) => join(dir, `lake/grants/system=vault/day=${day}/grants.parquet`);
  const written = async (day: string) => (await stat(grants(day))).mtimeMs;
  const firstSeen = (day: string) =>
    ctx.db.all(`SELECT principal, permission, first_seen::VARCHAR AS first_seen FROM read_parquet($f) ORDER BY ALL`, { f: grants(day) });
  return { dir, ctx, written, firstSeen };
}

const pause = () => new Promise((r) => setTimeout(r, 20));

describe('snapshots of unchanged inputs', () => {
  test("the day's snapshots are kept, not rewritten, when the input file's path, size and mtime are unchanged", async () => {
    const { ctx, written } = await setup();
    const first = await ingest(ctx, '2026-01-10');
    const before = await written('2026-01-10');
    await pause();
    const again = await ingest(ctx, '2026-01-10');
    expect(again.snapshots).toEqual(first.snapshots);
    expect(again.snapshots).toEqual([
      { name: 'vault grants', rows: 1, quarantined: { missing_permission: 1 } },
      { name: 'directory', rows: 1, quarantined: { duplicate_id: 1 } },
    ]);
    expect(await written('2026-01-10')).toBe(before);
  });

  test('a changed input file is read again', async () => {
    const { dir, ctx, written } = await setup();
    await ingest(ctx, '2026-01-10');
    const before = await written('2026-01-10');
    await pause();
    await writeFile(join(dir, 'grants.jsonl'), jsonl([...GRANTS, { principal: 'carol', permission: 'kv/read' }]));
    const again = await ingest(ctx, '2026-01-10');
    expect(again.snapshots[0]).toEqual({ name: 'vault grants', rows: 2, quarantined: { missing_permission: 1 } });
    expect(await written('2026-01-10')).not.toBe(before);
  });

  test('first-seen days follow a previous snapshot that changed, even when the input did not', async () => {
    const { dir, ctx, written, firstSeen } = await setup();
    await ingest(ctx, '2026-01-11');
    expect(await firstSeen('2026-01-11')).toEqual([{ principal: 'alice', permission: 'kv/read', first_seen: '2026-01-11' }]);
    // An earlier day ingested afterwards (a backfill) is the previous snapshot of 01-11 now.
    const grantsFile = join(dir, 'grants.jsonl');
    const { mtime } = await stat(grantsFile);
    await ingest(ctx, '2026-01-05');
    const before = await written('2026-01-11');
    await pause();
    await ingest(ctx, '2026-01-11');
    expect((await stat(grantsFile)).mtime).toEqual(mtime);
    expect(await written('2026-01-11')).not.toBe(before);
    expect(await firstSeen('2026-01-11')).toEqual([{ principal: 'alice', permission: 'kv/read', first_seen: '2026-01-05' }]);
  });
});
