import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { config, jsonl, stageContext, tempDir, writeFiles } from '../test/helpers.js';
import { ingest } from './index.js';

const DIRECTORY = 'id,email,team,manager,status,aliases\nu1,alice@corp.example,eng,,active,vault:alice\n';

function vaultConfig(dir: string, logs = 'logs/') {
  return config(dir, {
    directory: { path: 'people.csv' },
    systems: {
      vault: {
        connector: 'jsonl',
        logs: [{ path: logs }],
        grants: { path: 'grants.jsonl' },
        mapping: { time: 'ts', principal: 'user.name', permission: '{mount}/{policy}', outcome: { field: 'result', success: ['ok'] } },
      },
    },
  });
}

const EVENTS = [
  { ts: '2026-01-01T10:00:00Z', user: { name: 'alice' }, mount: 'kv', policy: 'read', result: 'ok' },
  { ts: '2026-01-01T11:00:00Z', user: { name: 'alice' }, mount: 'kv', policy: 'read', result: 'OK' },
  { ts: '2026-01-02T09:00:00+02:00', user: { name: 'alice' }, mount: 'kv', policy: 'write' },
  { ts: '2026-01-02T10:00:00Z', user: { name: 'bob' }, mount: 'kv', policy: 'admin', result: 'denied' },
  { ts: 'yesterday', user: { name: 'bob' }, mount: 'kv', policy: 'read', result: 'ok' },
  { ts: 1767261600000, user: {}, mount: 'kv', policy: 'read', result: 'ok' },
  { ts: 1767261600, user: { name: 'carol' }, mount: 'kv', result: 'ok' },
];

let close = () => {};
afterEach(() => close());

describe('ingest with the generic jsonl connector', () => {
  test('summarises uses per day, skips denied, quarantines malformed records with their text', async () => {
    const dir = await tempDir();
    const text = `${jsonl(EVENTS.slice(0, 4))}\n{"ts": broken\n${jsonl(EVENTS.slice(4))}[1,2]\n`;
    await writeFiles(dir, {
      'logs/a.jsonl.gz': text,
      'grants.jsonl': jsonl([{ principal: 'alice', permission: 'kv/read' }]),
      'people.csv': DIRECTORY,
    });
    const ctx = await stageContext(vaultConfig(dir));
    close = () => ctx.close();
    const report = await ingest(ctx, '2026-01-10');
    const logs = report.logs[0]!;
    expect(logs).toMatchObject({ files: 1, already_ingested: 0, records: 9, uses: 3 });
    expect(logs.skipped).toEqual({ denied: 1 });
    expect(logs.quarantined).toEqual({ malformed_json: 1, bad_time: 1, missing_principal: 1, missing_permission: 1, not_an_object: 1 });

    const usage = await ctx.db.all(
      `SELECT day::VARCHAR AS day, principal, permission, uses FROM read_parquet($glob, hive_partitioning = true) ORDER BY ALL`,
      { glob: join(dir, 'lake/usage_daily/**/*.parquet') },
    );
    expect(usage).toEqual([
      { day: '2026-01-01', principal: 'alice', permission: 'kv/read', uses: 2 },
      { day: '2026-01-02', principal: 'alice', permission: 'kv/write', uses: 1 },
    ]);
    const quarantine = (await readFile(join(dir, 'lake/quarantine/system=vault', (await ctx.lake.list('quarantine/system=vault/'))[0]!.key.split('/').pop()!), 'utf8'))
      .trim().split('\n').map((l) => JSON.parse(l));
    expect(quarantine.map((q) => [q.record, q.reason])).toEqual([
      [5, 'malformed_json'], [6, 'bad_time'], [7, 'missing_principal'], [8, 'missing_permission'], [9, 'not_an_object'],
    ]);
    expect(quarantine[0].raw).toBe('{"ts": broken');
  });

  test('re-ingesting the same content, even copied elsewhere, changes nothing but the stat index', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      'logs/a.jsonl': jsonl(EVENTS),
      'grants.jsonl': jsonl([{ principal: 'alice', permission: 'kv/read' }]),
      'people.csv': DIRECTORY,
    });
    const ctx = await stageContext(vaultConfig(dir));
    close = () => ctx.close();
    await ingest(ctx, '2026-01-10');
    const before = await ctx.lake.list('');
    await writeFiles(dir, { 'logs/copy-of-a.jsonl': jsonl(EVENTS) });
    const again = await ingest(ctx, '2026-01-10');
    expect(again.logs[0]).toMatchObject({ files: 2, already_ingested: 2, records: 0 });
    // Only the copy's path, size and mtime are recorded (ledger.ts recordSeen), so it is not read again.
    const after = await ctx.lake.list('');
    expect(after.filter((o) => !o.key.includes('/seen_'))).toEqual(before);
    expect(after.filter((o) => o.key.includes('/seen_'))).toHaveLength(1);
  });
});

describe('snapshots', () => {
  test('grants: duplicates fold, bad rows are quarantined with their record number', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      'logs/a.jsonl': jsonl(EVENTS),
      'grants.jsonl': jsonl([
        { principal: 'alice', permission: 'kv/read', granted_at: '2025-06-01', via: 'group:eng' },
        { principal: 'alice', permission: 'kv/read', granted_at: '2025-05-01T12:00:00Z', via: 'direct' },
        { principal: 'bob', permission: '' },
        { principal: 'carol', permission: 'kv/read', granted_at: 'last year' },
      ]),
      'people.csv': `${DIRECTORY}u2,bob@corp.example,eng,u1,gone,\nu1,dup@corp.example,eng,,active,\n`,
    });
    const ctx = await stageContext(vaultConfig(dir));
    close = () => ctx.close();
    const report = await ingest(ctx, '2026-01-10');
    expect(report.snapshots).toEqual([
      { name: 'vault grants', rows: 1, quarantined: { missing_permission: 1, bad_granted_at: 1 } },
      { name: 'directory', rows: 1, quarantined: { bad_status: 1, duplicate_id: 1 } },
    ]);
    const grants = await ctx.db.all(`SELECT principal, permission, granted_at::VARCHAR AS granted_at, via FROM read_parquet($f)`, {
      f: join(dir, 'lake/grants/system=vault/day=2026-01-10/grants.parquet'),
    });
    expect(grants).toEqual([{ principal: 'alice', permission: 'kv/read', granted_at: '2025-05-01', via: 'direct;group:eng' }]);
  });
});

describe('ingest with the generic csv connector', () => {
  test('quarantines rows the CSV reader rejects, with their line', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      'logs/a.csv': 'when,who,role,result\n2026-01-01T10:00:00Z,"alice",db/read,ok\n2026-01-01T11:00:00Z,"bob, jr",db/write,ok\n2026-01-02T10:00:00Z,carol,db/read,ok,extra\n',
      'logs/b.csv.gz': 'role,who,when\ndb/admin,dave,2026-01-03T10:00:00Z\n',
      'grants.csv': 'principal,permission\nalice,db/read\n',
      'people.csv': DIRECTORY,
    });
    const cfg = config(dir, {
      directory: { path: 'people.csv' },
      systems: {
        db: {
          connector: 'csv', logs: [{ path: 'logs/' }], grants: { path: 'grants.csv' },
          mapping: { time: 'when', principal: 'who', permission: 'role', outcome: { field: 'result', success: ['ok'] } },
        },
      },
    });
    const ctx = await stageContext(cfg);
    close = () => ctx.close();
    const report = await ingest(ctx, '2026-01-10');
    expect(report.logs[0]).toMatchObject({ records: 4, uses: 3 });
    expect(report.logs[0]!.quarantined).toEqual({ malformed_csv: 1 });
    const [q] = await ctx.lake.list('quarantine/system=db/');
    const record = JSON.parse((await ctx.lake.readText(q!.key))!.trim());
    expect(record).toMatchObject({ reason: 'malformed_csv', detail: 'too many columns at line 4', raw: '2026-01-02T10:00:00Z,carol,db/read,ok,extra' });
  });
});

describe('unreadable files', () => {
  test('a corrupt gzip file is quarantined as a whole; the other files are ingested', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      'logs/a.jsonl': jsonl(EVENTS.slice(0, 2)),
      'logs/c.jsonl': jsonl(EVENTS.slice(2, 3)),
      'grants.jsonl': jsonl([{ principal: 'alice', permission: 'kv/read' }]),
      'people.csv': DIRECTORY,
    });
    await writeFile(join(dir, 'logs/b.jsonl.gz'), 'this is not gzip');
    const ctx = await stageContext(vaultConfig(dir));
    close = () => ctx.close();
    const report = await ingest(ctx, '2026-01-10');
    expect(report.logs[0]).toMatchObject({ files: 3, uses: 3, quarantined: { unreadable_file: 1 } });
    const [q] = await ctx.lake.list('quarantine/system=vault/');
    const record = JSON.parse((await ctx.lake.readText(q!.key))!.trim());
    expect(record).toMatchObject({ reason: 'unreadable_file', detail: expect.stringMatching(/gzip/i), object: join(dir, 'logs/b.jsonl.gz') });
    const again = await ingest(ctx, '2026-01-10');
    expect(again.logs[0]).toMatchObject({ already_ingested: 3 });
  });
});

describe('file names with glob characters', () => {
  /** Pairs of a name with a glob character and a sibling its pattern would match. */
  const NAMES = ['star*.jsonl', 'starA.jsonl', 'q?.jsonl', 'qa.jsonl', 'b[1].jsonl', 'b1.jsonl', 'c{x,y}.jsonl', 'cx.jsonl'];
  const event = (i: number) => ({ ts: '2026-01-01T10:00:00Z', user: { name: 'alice' }, mount: 'kv', policy: `p${i}`, result: 'ok' });

  test('every file is read once, under its own name', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      ...Object.fromEntries(NAMES.map((n, i) => [`logs/app/${n}`, jsonl([event(i)])])),
      'grants.jsonl': jsonl([{ principal: 'alice', permission: 'kv/p0' }]),
      'people.csv': DIRECTORY,
    });
    const ctx = await stageContext(vaultConfig(dir));
    close = () => ctx.close();
    const report = await ingest(ctx, '2026-01-10');
    expect(report.logs[0]).toMatchObject({ files: NAMES.length, records: NAMES.length, uses: NAMES.length });
    const usage = await ctx.db.all<{ permission: string; uses: number }>(
      'SELECT permission, sum(uses)::BIGINT AS uses FROM read_parquet($glob) GROUP BY ALL ORDER BY ALL',
      { glob: join(dir, 'lake/usage_daily/**/*.parquet') },
    );
    expect(usage).toEqual(NAMES.map((_, i) => ({ permission: `kv/p${i}`, uses: 1 })).sort((a, b) => (a.permission < b.permission ? -1 : 1)));
  });

  test('a configured path that exists as a file is that file, even when it looks like a glob', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      ...Object.fromEntries(NAMES.map((n, i) => [`logs/app/${n}`, jsonl([event(i)])])),
      'grants.jsonl': jsonl([{ principal: 'alice', permission: 'kv/p0' }]),
      'people.csv': DIRECTORY,
    });
    const ctx = await stageContext(vaultConfig(dir, 'logs/app/star*.jsonl'));
    close = () => ctx.close();
    const report = await ingest(ctx, '2026-01-10');
    expect(report.logs[0]).toMatchObject({ files: 1, records: 1, uses: 1 });
  });
});
