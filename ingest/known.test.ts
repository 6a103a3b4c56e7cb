import { copyFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { appSystem, config, jsonl, stageContext, tempDir, writeFiles } from '../test/helpers.js';
import { ingest } from './index.js';

// Every content read ingest makes to identify an object goes through sha256File: count them.
const hashed: string[] = [];
vi.mock('../core/hash.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../core/hash.js')>();
  return {
    ...real,
    sha256File: async (path: string, size?: number) => {
      hashed.push(path.split('/').at(-1)!);
      return real.sha256File(path, size);
    },
  };
});

const use = (day: string, user: string) => ({ ts: `${day}T10:00:00Z`, user, perm: 'kv/read', result: 'ok' });

function vault(dir: string) {
  return config(dir, {
    directory: { path: 'people.csv' },
    systems: { vault: appSystem() },
  });
}

/** One ingest run in its own engine (as each `lapse run` is): the logs report and the files it read. */
async function run(dir: string) {
  hashed.length = 0;
  const ctx = await stageContext(vault(dir));
  try {
    const report = await ingest(ctx, '2026-01-10');
    return { logs: report.logs[0]!, hashed: [...hashed].sort() };
  } finally {
    ctx.close();
  }
}

let dir = '';
beforeEach(async () => {
  dir = await tempDir();
  await writeFiles(dir, {
    'logs/day1.jsonl': jsonl([use('2026-01-01', 'alice')]),
    'logs/day2.jsonl.gz': jsonl([use('2026-01-02', 'bob')]),
    'grants.jsonl': jsonl([{ principal: 'alice', permission: 'kv/read' }]),
    'people.csv': 'id,email,team,manager,status\nu1,alice@corp.example,eng,,active\n',
  });
});
afterEach(() => vi.restoreAllMocks());

describe('known objects are recognised without reading them again', () => {
  test('a local file the ledger holds (same path, size, mtime) is not read; only new files are hashed', async () => {
    expect((await run(dir)).hashed).toEqual(['day1.jsonl', 'day2.jsonl.gz']);
    const again = await run(dir);
    expect(again.hashed).toEqual([]);
    expect(again.logs).toMatchObject({ files: 2, already_ingested: 2, records: 0 });

    await writeFiles(dir, { 'logs/day3.jsonl': jsonl([use('2026-01-03', 'alice')]) });
    const next = await run(dir);
    expect(next.hashed).toEqual(['day3.jsonl']);
    expect(next.logs).toMatchObject({ files: 3, already_ingested: 2, records: 1, uses: 1 });
  });

  test('a re-delivered copy under a new name is hashed once and recognised by its content', async () => {
    await run(dir);
    await copyFile(join(dir, 'logs/day1.jsonl'), join(dir, 'logs/day1-redelivered.jsonl'));
    const copy = await run(dir);
    expect(copy.hashed).toEqual(['day1-redelivered.jsonl']);
    expect(copy.logs).toMatchObject({ files: 3, already_ingested: 3, records: 0 });
    // The copy is in the ledger now, under its own path: the next run reads nothing.
    expect((await run(dir)).hashed).toEqual([]);
  });

  test('a file touched (new mtime, same content) is read once more, not ingested again', async () => {
    await run(dir);
    await utimes(join(dir, 'logs/day1.jsonl'), new Date('2026-02-01'), new Date('2026-02-01'));
    const touched = await run(dir);
    expect(touched.hashed).toEqual(['day1.jsonl']);
    expect(touched.logs).toMatchObject({ already_ingested: 2, records: 0 });
  });
});
