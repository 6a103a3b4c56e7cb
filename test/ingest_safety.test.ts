import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Db } from '../core/db.js';
import { scratchHost } from '../core/scratch.js';
import { appConfig, jsonl, tempDir, writeFiles } from './helpers.js';

/** Ingest as an operator runs it: the built CLI, several processes on one lake. */
const BIN = new URL('../bin/lapse.js', import.meta.url).pathname;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  err: string;
}

function start(args: string[], cwd: string) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, LAPSE_LOG_LEVEL: 'warn' } });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.resume();
  const exit = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, err })));
  return { child, exit };
}

const PEOPLE = ['ann', 'ben', 'cat'];

/**
 * 90 days of an `app` system's logs, one file per day and person, under `logs/<person>/`; `lapse.yaml` reads
 * them all, `lapse-<person>.yaml` one person's (as workers on one queue each get other objects), all into
 * one lake. Every day partition gets a shard from each worker, which each worker's compaction merges.
 */
async function world(): Promise<string> {
  const dir = await tempDir('lapse-safety-');
  const files: Record<string, string> = {
    'lapse.yaml': appConfig(),
    'people.csv': `id,email,team,manager,status,aliases\n${PEOPLE.map((p) => `${p},${p}@corp.example,eng,,active,\n`).join('')}`,
    'grants.jsonl': jsonl([{ principal: 'ann', permission: 'p0' }]),
  };
  for (const who of PEOPLE) files[`lapse-${who}.yaml`] = appConfig().replace('logs: [{ path: logs/ }]', `logs: [{ path: logs/${who}/ }]`);
  for (let d = 0; d < 90; d++) {
    const day = new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10);
    for (const who of PEOPLE) {
      files[`logs/${who}/${day}.jsonl`] = jsonl(
        Array.from({ length: 5 }, (_, i) => ({ ts: `${day}T1${i}:00:00Z`, user: who, perm: `p${(d + i) % 7}`, result: 'ok' })),
      );
    }
  }
  await writeFiles(dir, files);
  return dir;
}

let db: Db;
beforeAll(async () => {
  db = await Db.open({ threads: 1 });
});
afterAll(() => db.close());

/** The lake's usage summaries as a sorted result (duplicate rows from concurrent writers are one row). */
async function usage(lake: string) {
  return db.all(
    `SELECT DISTINCT system, day::VARCHAR AS day, principal, permission, source, uses
     FROM read_parquet($glob, hive_partitioning = true, union_by_name = true) ORDER BY ALL`,
    { glob: join(lake, 'usage_daily/**/*.parquet') },
  );
}

/** The object ids the lake's ledger holds. */
async function ledger(lake: string) {
  return db.all('SELECT DISTINCT object_id, records, uses FROM read_parquet($glob) ORDER BY ALL', { glob: join(lake, 'objects/**/*.parquet') });
}

describe('concurrent ingest workers', () => {
  test('three workers on one lake all succeed, and the lake holds what one worker writes', async () => {
    const single = await world();
    const alone = await start(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], single).exit;
    expect(alone.code, alone.err).toBe(0);

    const shared = await world();
    const workers = PEOPLE.map((who) => start(['ingest', '--config', `lapse-${who}.yaml`, '--as-of', '2026-06-30'], shared).exit);
    const exits = await Promise.all(workers);
    for (const e of exits) expect(e.code, e.err).toBe(0);
    const expected = await usage(join(single, 'lake'));
    expect(expected.length).toBeGreaterThan(100);
    expect(await usage(join(shared, 'lake'))).toEqual(expected);
    expect(await ledger(join(shared, 'lake'))).toEqual(await ledger(join(single, 'lake')));
  });
});

/** A pid no process holds: one that has just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid!;
}

async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

describe('scratch space', () => {
  test('a run reclaims scratch left by a dead process or older than a day, and keeps what a live one holds', async () => {
    const dir = await world();
    const tmp = join(dir, 'lake/.tmp');
    const host = scratchHost();
    const dead = `${await deadPid()}@${host}-${randomUUID()}`;
    const live = `${process.pid}@${host}-${randomUUID()}`;
    const otherHost = `${process.pid}@elsewhere.example-${randomUUID()}`;
    const oldUnnamed = randomUUID();
    const freshUnnamed = randomUUID();
    for (const name of [dead, live, otherHost, oldUnnamed, freshUnnamed]) await writeFiles(tmp, { [`${name}/usage/staged.parquet`]: 'x' });
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    await utimes(join(tmp, oldUnnamed), twoDaysAgo, twoDaysAgo);

    const r = await start(['ingest', '--config', 'lapse-ann.yaml', '--as-of', '2026-06-30'], dir).exit;
    expect(r.code, r.err).toBe(0);
    expect(await entries(tmp)).toEqual([live, otherHost, freshUnnamed].sort());
  });

  test('SIGTERM mid-run leaves no scratch behind, and exits 143', async () => {
    const dir = await world();
    const tmp = join(dir, 'lake/.tmp');
    const run = start(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    let seen: string[] = [];
    for (let i = 0; i < 2000 && seen.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      seen = await entries(tmp);
    }
    expect(seen.length, 'the run made scratch before it ended').toBeGreaterThan(0);
    run.child.kill('SIGTERM');
    const exit = await run.exit;
    expect(exit.code, exit.err).toBe(143);
    expect(await entries(tmp)).toEqual([]);
  });
});
